/**
 * Backtests run one at a time in a worker thread (`backtestWorker.ts`), each in a fresh worker that is stopped
 * when it answers, so a long run never blocks the hedge stream and its memory goes with it. A few requests may
 * wait their turn; beyond that the service answers 503 `backtest-busy` rather than queue without bound.
 */
import { Worker } from 'node:worker_threads';
import { INTERNAL, defineError, errorDefinition } from '../../hedging/index.js';
import type { BacktestReply } from './backtestWorker.js';
import { HttpError } from './httpErrors.js';
import { runBacktest, type BacktestBody } from './routes/lab.js';
import { compiledWorkerFile } from './workerFile.js';

export const BACKTEST_BUSY = defineError(
  'backtest-busy',
  503,
  'more backtests are running or waiting than the service takes at once; retry when they are done',
);

/** Requests that may wait behind the running one. */
export const BACKTEST_QUEUE_MAX = 4;

export class BacktestRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly file: string | null;

  constructor(file: string | null = compiledWorkerFile('backtestWorker.js')) {
    this.file = file;
  }

  /** Whether runs go to a worker thread (false without a build: they then run on this thread). */
  get threaded(): boolean {
    return this.file !== null;
  }

  run(body: BacktestBody): Promise<unknown> {
    if (this.waiting >= BACKTEST_QUEUE_MAX + 1) {
      return Promise.reject(
        new HttpError(
          BACKTEST_BUSY,
          `${this.waiting} backtests are running or waiting (at most ${BACKTEST_QUEUE_MAX + 1})`,
        ),
      );
    }
    this.waiting++;
    const result = this.tail.then(() => (this.file ? this.inWorker(this.file, body) : runBacktest(body)));
    const done = () => {
      this.waiting--;
    };
    this.tail = result.then(done, done);
    return result;
  }

  private inWorker(file: string, body: BacktestBody): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(file);
      // A run in progress must not keep a closing service's process alive.
      worker.unref();
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
        void worker.terminate();
      };
      worker.once('message', (reply: BacktestReply) =>
        settle(() => {
          if (reply.ok) resolve(reply.value);
          else reject(new HttpError(errorDefinition(reply.code) ?? INTERNAL, reply.message, reply.details));
        }),
      );
      worker.once('error', (error) => settle(() => reject(error)));
      worker.once('exit', (code) =>
        settle(() => reject(new Error(`the backtest worker exited with code ${code} before answering`))),
      );
      worker.postMessage(body);
    });
  }
}
