/**
 * Monte Carlo on worker_threads: the paths are cut into one contiguous range per worker, each worker runs
 * lab/simulateWorker.js on its range, and the chunks are joined in path order. Path k's numbers come from
 * `Rng(seed, k)` whichever worker runs it, so 1 and 2 workers give identical results (tested).
 *
 * Workers run compiled JavaScript: from `dist/` (`npm run build`). Under vitest (TypeScript sources) the script is
 * looked up in `dist/lab/` too; when it is missing, a `WorkerScriptError` says to build.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadSolver } from '../hedging/index.js';
import { LabError, LabInputError, WorkerScriptError } from './errors.js';
import {
  mergeChunks,
  needsSolver,
  simulateRange,
  validateConfig,
  type SimulateChunk,
  type SimulateConfig,
} from './simulate.js';

export interface ParallelOptions {
  /** Worker threads; 0 runs in this thread. */
  workers: number;
  /** Called with the number of paths done so far (all workers). */
  onProgress?: (done: number, total: number) => void;
}

export function workerScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'simulateWorker.js');
  // TypeScript sources (vitest): the compiled script under dist/.
  const root = dirname(dirname(here));
  return join(root, 'dist', 'lab', 'simulateWorker.js');
}

export async function simulate(config: SimulateConfig, options: ParallelOptions): Promise<SimulateChunk> {
  validateConfig(config);
  const workers = options.workers;
  if (!(Number.isInteger(workers) && workers >= 0 && workers <= 64))
    throw new LabInputError('workers', workers, 'must be a whole number from 0 to 64');
  const total = config.paths;
  const every = Math.max(1, Math.floor(total / 100));
  if (workers === 0) {
    const highs = needsSolver(config.policies) ? await loadSolver() : null;
    return simulateRange(config, 0, total, highs, (done) => {
      if (done % every === 0 || done === total) options.onProgress?.(done, total);
    });
  }
  const script = workerScriptPath();
  if (!existsSync(script))
    throw new WorkerScriptError(`worker script ${script} not found: run \`npm run build\` first`);
  const count = Math.min(workers, total);
  const done = new Array<number>(count).fill(0);
  const jobs = Array.from({ length: count }, (_, w) => {
    const from = Math.floor((w * total) / count);
    const to = Math.floor(((w + 1) * total) / count);
    return new Promise<SimulateChunk>((resolve, reject) => {
      const worker = new Worker(script, { workerData: { config, from, to, progressEvery: every } });
      worker.on(
        'message',
        (m: { type: string; done?: number; chunk?: SimulateChunk; message?: string; name?: string }) => {
          if (m.type === 'progress') {
            done[w] = m.done!;
            options.onProgress?.(
              done.reduce((a, b) => a + b, 0),
              total,
            );
          } else if (m.type === 'done') {
            done[w] = to - from;
            resolve(m.chunk!);
            void worker.terminate();
          } else if (m.type === 'error') {
            const e = new LabError(`simulation worker ${w}: ${m.message}`);
            reject(e);
            void worker.terminate();
          }
        },
      );
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0 && done[w] !== to - from)
          reject(new LabError(`simulation worker ${w} exited with code ${code}`));
      });
    });
  });
  const chunks = await Promise.all(jobs);
  options.onProgress?.(total, total);
  return mergeChunks(chunks, config.policies.length);
}
