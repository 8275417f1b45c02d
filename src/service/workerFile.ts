/**
 * Where a worker thread's script is: beside the calling module in `dist/` (the service as built), or, when the
 * caller runs from source (under vitest), the build's copy; null when neither exists. Worker threads load
 * JavaScript, so a worker started from the TypeScript sources needs the build.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `name` is the worker module's file name in src/service (`suggestionWorker.js`). */
export function compiledWorkerFile(name: string): string | null {
  const here = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL(`../../dist/src/service/${name}`, import.meta.url));
  return existsSync(built) ? built : null;
}
