/**
 * Where the packaged data lives at runtime. The JSON ships in the source tree (`adapters/builtin/`), and tsc does
 * not copy JSON into `dist/`, so both the source module (`adapters/builtin/*.ts`, run by vitest) and the built one
 * (`dist/adapters/builtin/*.js`) resolve the data from the repository root found above them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The ilhedge repository root: the nearest ancestor holding ilhedge's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ilhedge') return dir;
      } catch {
        // unreadable package.json: keep looking
      }
    }
    dir = dirname(dir);
  }
  throw new Error('cannot locate the ilhedge repository root from ' + fileURLToPath(import.meta.url));
}

/** `adapters/builtin/` in the source tree. */
export function builtinDir(): string {
  return join(repoRoot(), 'adapters', 'builtin');
}
