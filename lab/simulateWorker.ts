/**
 * The worker thread of lab/workers.ts: runs its share of the paths and reports progress every few paths.
 * Messages out: `{ type: 'progress', done }`, then `{ type: 'done', chunk }` or `{ type: 'error', message, name }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSolver } from '../hedging/index.js';
import { needsSolver, simulateRange, type SimulateConfig } from './simulate.js';

interface Job {
  config: SimulateConfig;
  from: number;
  to: number;
  progressEvery: number;
}

async function main(): Promise<void> {
  const job = workerData as Job;
  const highs = needsSolver(job.config.policies) ? await loadSolver() : null;
  const chunk = simulateRange(job.config, job.from, job.to, highs, (done) => {
    if (done % job.progressEvery === 0) parentPort!.postMessage({ type: 'progress', done });
  });
  parentPort!.postMessage({ type: 'done', chunk });
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  parentPort!.postMessage({ type: 'error', message: e.message, name: e.name });
});
