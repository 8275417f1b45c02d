/**
 * Tick-to-push at 1000 clients spread over two service instances on one PostgreSQL database (issue 19), beside the
 * one-instance figure of the same run. Each instance is a Node process of its own (`bench/instance.ts`: two event
 * loops, as two machines would be; here they share the machine's CPUs with each other, the client worker and the
 * PostgreSQL server), fed by its own ScriptedFeed of the built-in Deribit chain ticking 100/s over the same 100
 * positions: the first instance seeds them, the second finds them in the shared store. The 1000 clients are one
 * worker thread in this process, as in `service.ts` (500 on each instance, each instance's 500 over all 100
 * positions), so the client side is the same as the one-instance case's and only the server side differs.
 * Latency is `receivedAt - tickAtMs` as in `service.ts`; `tickAtMs` is stamped by the instance's process and
 * `receivedAt` by this one, both from the same system clock (`performance.timeOrigin + performance.now()`).
 *
 * Three cases, one after the other: `service.tickToPush.1000` (`service.ts`'s, in this process on `:memory:`
 * SQLite), `...1000.oneInstanceProcess` (the same 1000 clients on ONE child instance on PostgreSQL: what the
 * process boundary and the store change alone do) and `...1000.twoInstances`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BenchResult, BenchSuite } from '../harness.js';
import { percentile } from '../harness.js';
import { dropDatabases, startTestPgServer } from '../../test/helpers/postgresServer.js';
import { latencyFigures, MEASURE_MS, openClients, POSITIONS, TICKS_PER_SEC, tickToPush, WARMUP_MS } from './service.js';

const CLIENTS = 1000;
const INSTANCE_JS = fileURLToPath(new URL('../instance.js', import.meta.url));
const DATABASE_PREFIX = `ilhedge_bench_${process.pid}_`;

interface Ready {
  type: 'ready';
  url: string;
  key: string;
  ids: string[];
  seeded: number;
}
interface Stats {
  type: 'stats';
  tickCpuMs: number[];
}

/** A child instance and the messages it has sent. */
interface Instance {
  child: ChildProcess;
  next<T>(type: string): Promise<T>;
}

function startInstance(storeUrl: string, clients: number): Instance {
  const child = fork(INSTANCE_JS, [storeUrl, String(clients)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: { type: string }[] = [];
  child.on('message', (m: { type: string }) => messages.push(m));
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = messages.find((m) => m.type === type);
        if (found) return resolve(found as T);
        if (child.exitCode !== null || child.signalCode !== null) {
          return reject(new Error(`bench instance exited (${child.exitCode ?? child.signalCode}) before '${type}'`));
        }
        setTimeout(check, 10);
      };
      check();
    });
  return { child, next };
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (value: number) => Number(value.toFixed(2));

/** `clients` clients spread over `count` child instances on a fresh database of `adminUrl`'s server. */
async function childInstances(adminUrl: string, count: number, name: string): Promise<BenchResult> {
  const storeUrl = await createDatabase(adminUrl, `${DATABASE_PREFIX}${count}`);
  const perInstance = Math.ceil(CLIENTS / count);
  const instances: Instance[] = [];
  try {
    // One after the other: the first seeds the positions, the next find them.
    const ready: Ready[] = [];
    for (let i = 0; i < count; i++) {
      const instance = startInstance(storeUrl, perInstance);
      instances.push(instance);
      ready.push(await instance.next<Ready>('ready'));
    }
    const ids = ready[0]!.ids;
    if (ready[0]!.seeded !== POSITIONS || ready.slice(1).some((r) => r.seeded !== 0)) {
      throw new Error(`${name}: seeded ${ready.map((r) => r.seeded).join(', ')}, expected ${POSITIONS} then 0`);
    }
    if (ready.some((r) => r.ids.length !== POSITIONS || r.ids.join() !== ids.join())) {
      throw new Error(`${name}: the instances do not see the same ${POSITIONS} positions`);
    }
    // One viewer key for every client: it was created through the first instance and lives in the shared store.
    const urls = ready.map((r) => r.url.replace('http', 'ws') + '/ws');
    const { worker, waitFor } = await openClients(urls, ready[0]!.key, ids, CLIENTS);
    await sleep(300);
    for (const instance of instances) instance.child.send('start');
    await sleep(WARMUP_MS);
    worker.postMessage('record');
    const started = performance.now();
    await sleep(MEASURE_MS);
    worker.postMessage('stop');
    const done = await waitFor('done');
    const elapsedSec = (performance.now() - started) / 1000;
    for (const instance of instances) instance.child.send('stop');
    const stats = await Promise.all(instances.map((instance) => instance.next<Stats>('stats')));
    await worker.terminate().catch(() => undefined);

    const latencies = done.latencies ?? [];
    if (latencies.length === 0) throw new Error(`${name}: no messages received`);
    const { opsPerSec, p50Ms, p99Ms, messages, deliveredShare, maxMs } = latencyFigures(latencies, CLIENTS, elapsedSec);
    const perInstanceFigure = (f: (s: Stats) => number) => stats.map((s) => f(s).toFixed(2)).join(' / ');
    return {
      name,
      opsPerSec,
      p50Ms,
      p99Ms,
      extra: {
        clients: CLIENTS,
        instances: count,
        positions: POSITIONS,
        ticksPerSec: TICKS_PER_SEC,
        messages,
        deliveredShare,
        maxMs,
        // Per instance: ticks it pushed per second over warm-up and recording (100 = on time), and its push time.
        instanceTicksPerSec: perInstanceFigure((s) => s.tickCpuMs.length / ((WARMUP_MS + MEASURE_MS) / 1000)),
        instanceTickP50Ms: perInstanceFigure((s) => percentile(s.tickCpuMs, 50)),
        instanceTickP99Ms: perInstanceFigure((s) => percentile(s.tickCpuMs, 99)),
      },
    };
  } finally {
    for (const { child } of instances) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      }
    }
  }
}

export const twoInstancesSuite: BenchSuite = {
  // Under `service.tickToPush` so that `--only service.tickToPush` runs it (with its own one-instance figure).
  name: 'service.tickToPush.twoInstances',
  async run() {
    const one = await tickToPush(CLIENTS);
    // PostgreSQL's durable defaults, as a desk would run it (the ticks write nothing; the leader's sweeps do).
    const server = await startTestPgServer({ durable: true });
    try {
      const oneChild = await childInstances(server.adminUrl, 1, `service.tickToPush.${CLIENTS}.oneInstanceProcess`);
      const two = await childInstances(server.adminUrl, 2, `service.tickToPush.${CLIENTS}.twoInstances`);
      const vsOne = (r: BenchResult): BenchResult => ({
        ...r,
        extra: { ...r.extra, p99VsOneInstance: round((r.p99Ms ?? 0) / (one.p99Ms ?? 1)) },
      });
      return [one, vsOne(oneChild), vsOne(two)];
    } finally {
      await dropDatabases(server.adminUrl, DATABASE_PREFIX).catch(() => undefined);
      await server.stop();
    }
  },
};
