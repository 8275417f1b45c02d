/**
 * The browser the dashboard tests drive: the Chromium (chrome-headless-shell) that the `@sparticuz/chromium`
 * devDependency ships inside its npm tarball, so `npm ci && npm test` needs nothing installed by hand and every
 * machine runs the same browser build. No system Chromium is looked for and nothing is downloaded: the binary,
 * its NSS/expat libraries (the package's `al2023.tar.br`, so a machine without libnss3 works too), its fonts and
 * SwiftShader are unpacked from `node_modules` once per package version. If that fails, `launchBrowser()`
 * throws with the reason; the tests that call it fail, they never skip.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflate } from '@sparticuz/chromium';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Flags for a headless run as root in a container (no sandbox, no GPU, no background traffic). */
export const BROWSER_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the package's compressed files live (`bin/` next to its `build/`) and its version. */
function packageFiles(): { binDir: string; version: string } {
  // The package's `exports` expose only ".", so resolve its entry point and walk up to the package root.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const root = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { binDir: join(root, 'bin'), version };
}

/**
 * Unpacks the browser into `node_modules/.cache/ilhedge-chromium/<version>/` (once; `npm ci` wipes it) and
 * returns that directory. The package's own `executablePath()` unpacks into the shared `/tmp` and returns
 * `/tmp/chromium` as soon as that path exists, even half-written by a concurrent run; here every run unpacks into
 * its own staging directory and renames it into place, so a directory that exists is complete.
 */
export async function unpackedChromium(): Promise<string> {
  const { binDir, version } = packageFiles();
  const cacheRoot = fileURLToPath(new URL('../../node_modules/.cache/ilhedge-chromium/', import.meta.url));
  const dir = join(cacheRoot, version);
  if (existsSync(join(dir, 'chromium'))) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, `.staging-${process.pid}-`));
  // `inflate` writes into `os.tmpdir()`, which Node reads from TMPDIR at each call; every call below captures it
  // synchronously, so TMPDIR is pointed at the staging directory only for these four calls.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  let pending: Promise<string>[];
  try {
    pending = ['chromium.br', 'al2023.tar.br', 'fonts.tar.br', 'swiftshader.tar.br'].map((f) =>
      inflate(join(binDir, f)),
    );
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  try {
    await Promise.all(pending);
    if (!existsSync(join(staging, 'chromium')) || !existsSync(join(staging, 'al2023', 'lib', 'libnss3.so'))) {
      throw new Error(`unpacking ${binDir} into ${staging} left no chromium or no al2023/lib/libnss3.so`);
    }
    // The package's fonts.conf names /tmp/fonts (where its own executablePath() unpacks); without fonts the
    // browser aborts in Skia's font fallback ("SkFontMgr_FontConfigInterface ... Not implemented") on the first
    // text input. Point fontconfig at this copy instead.
    writeFileSync(
      join(staging, 'fonts', 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(dir, 'fonts', 'fonts')}</dir>`,
        `  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(staging, dir);
    } catch (e) {
      // A concurrent run renamed its complete copy into place first: use that one.
      if (!existsSync(join(dir, 'chromium'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Launches the packaged headless Chromium through playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  const dir = await unpackedChromium();
  const ldPath = [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  try {
    return await chromium.launch({
      executablePath: join(dir, 'chromium'),
      args: [...BROWSER_ARGS],
      headless: true,
      // The packaged NSS/expat come first so the browser runs the same on machines with and without them;
      // fontconfig reads the packaged fonts (the binary links fontconfig statically and has no system config).
      env: { ...process.env, LD_LIBRARY_PATH: ldPath, FONTCONFIG_PATH: join(dir, 'fonts') },
    });
  } catch (e) {
    throw new Error(`the packaged Chromium in ${dir} (from @sparticuz/chromium) did not start: ${String(e)}`);
  }
}
