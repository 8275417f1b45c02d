/**
 * One desk service instance as a child process of `bench/suites/twoInstances.ts` (run as
 * `node dist/bench/instance.js <store url> <clients>` through `fork`, so its IPC channel is the parent's line to
 * it): the service on the store the URL names (seeding the tick-to-push bench's 100 positions if the store has
 * none, so the second instance on the same PostgreSQL database finds the first one's), fed by its own ScriptedFeed
 * of the built-in Deribit chain. Once the desk is idle it sends `{ type: 'ready', url, key, ids, seeded }` (a
 * viewer key of its own: keys live in the shared store, so it is valid on every instance). On `'start'` it ticks
 * at 100/s on its own timer (the two instances are told at once, so they tick together, each on its own event
 * loop); on `'stop'` it stops ticking, sends `{ type: 'stats', tickCpuMs }` (the duration of each synchronous push,
 * as in `service.ts`), closes the service and exits.
 */
import { loadMarketSnapshot } from '../adapters/index.js';
import { ScriptedFeed } from '../src/service/feeds/scripted.js';
import { createLogger, startService } from '../src/service/server.js';
import { holdings, positions, tickStates, TICKS_PER_SEC } from './suites/service.js';

const [storeUrl, clientsArg] = process.argv.slice(2);
if (!storeUrl || !process.send) {
  process.stderr.write('usage: fork(dist/bench/instance.js, [storeUrl, clients]) from bench/suites/twoInstances.ts\n');
  process.exit(2);
}
const send = (message: unknown) => process.send!(message);
const clients = Number(clientsArg ?? 500);

const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
const feed = new ScriptedFeed(market);
const handle = await startService({
  dbPath: storeUrl,
  feeds: [feed],
  logger: createLogger('silent'),
  seedPositions: positions(),
  seedHoldings: holdings(),
  maxWsClients: clients + 10,
  ...(process.env.ILHEDGE_BENCH_NO_SUGGESTIONS ? { suggestions: false } : {}),
});
// The first option suggestions (one ticket MIP per position, off the tick) are start-up work: wait them out.
await handle.context.desk.idle();
const key = (await handle.store.createApiKey('viewer', `bench-${process.pid}`)).key;
const ids = (await handle.store.listPositions()).map((p) => p.id);
send({ type: 'ready', url: handle.url, key, ids, seeded: handle.seeded });

const states = tickStates(market);
const tickCpuMs: number[] = [];
let timer: NodeJS.Timeout | undefined;
process.on('message', (message) => {
  if (message === 'start' && !timer) {
    void feed.start().then(() => {
      let tick = 0;
      timer = setInterval(() => {
        const t0 = performance.now();
        feed.push(states[tick++ % 2]);
        tickCpuMs.push(performance.now() - t0);
      }, 1000 / TICKS_PER_SEC);
    });
  }
  if (message === 'stop') {
    clearInterval(timer);
    send({ type: 'stats', tickCpuMs });
    void handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`closing the service failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  }
});
