/**
 * Where the dashboard's static files live. They are plain HTML/JS/CSS (no build step) under `static/`; `tsc` does
 * not copy them to `dist/`, so from a build we look in the source tree beside it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'static'),
    // dist/src/service/dashboard -> src/service/dashboard/static
    resolve(here, '../../../../src/service/dashboard/static'),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
}
