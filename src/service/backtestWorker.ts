/**
 * The backtest worker: runs one `POST /api/backtest` off the service's event loop. A year of hourly history under
 * the four default policies takes seconds of CPU; on the main thread it held every tick of the hedge stream back by
 * as much. The same `runBacktest` as the route, so the answer is the one the route would give.
 */
import { parentPort } from 'node:worker_threads';
import { IlhedgeError } from '../../hedging/index.js';
import { HttpError } from './httpErrors.js';
import { runBacktest, type BacktestBody } from './routes/lab.js';

/** The result, or the error as its registered code, message and validation issues (classes do not cross threads). */
export type BacktestReply =
  { ok: true; value: unknown } | { ok: false; code: string; message: string; details?: unknown };

parentPort?.once('message', (body: BacktestBody) => {
  runBacktest(body).then(
    (value) => parentPort!.postMessage({ ok: true, value } satisfies BacktestReply),
    (error: unknown) =>
      parentPort!.postMessage({
        ok: false,
        code: error instanceof IlhedgeError ? error.code : 'internal',
        message: error instanceof Error ? error.message : String(error),
        ...(error instanceof HttpError && error.details !== undefined ? { details: error.details } : {}),
      } satisfies BacktestReply),
  );
});
