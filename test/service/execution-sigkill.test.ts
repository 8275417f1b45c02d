/**
 * Done-when, line 1, across a crash: the built service (`dist/src/cli/main.js serve`, a child process, the example
 * desk config switched to `testnet` against the fake Deribit on loopback, a store file) executes a ticket; it is
 * SIGKILLed while an order's placing is in flight (the venue has accepted it, the answer has not come back), and the
 * venue fills part of that order while the service is down. Restarted on the same store, it reconciles (the order
 * found by its client order id, the fill made while down recorded) and, executed again, completes the ticket.
 * Afterwards: no client order id was ever sent twice, the holdings equal the venue's fills, `toTrade` is zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClientOrderId } from '../../src/service/execution/clientOrderId.js';
import { openStore } from '../../src/service/store/index.js';
import { startFakeDeribit, type FakeDeribit } from '../helpers/fakeDeribit.js';
import { request, type Json } from './helpers.js';

const mainJs = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const example = fileURLToPath(new URL('../../config/wbtc-usdc-v2-dynamic.json', import.meta.url));
const credentials = { apiKey: 'sigkill-key', secret: 'sigkill-secret' };
const dir = mkdtempSync(join(tmpdir(), 'ilhedge-exec-kill-'));
const db = join(dir, 'desk.sqlite');
const configFile = join(dir, 'desk.json');
const children: ChildProcess[] = [];
let fake: FakeDeribit;

beforeAll(async () => {
  fake = await startFakeDeribit(credentials);
  const config = JSON.parse(readFileSync(example, 'utf8')) as Json;
  config.execution = {
    venues: { deribit: { mode: 'testnet', restUrl: fake.restUrl, requestTimeoutMs: 10_000 } },
    fillTimeoutMs: 4_000,
    pollIntervalMs: 100,
    maxReprices: 1,
    priceToleranceFraction: 0.05,
    collarFraction: 0.25,
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  lines: Json[];
  exited: Promise<void>;
}

function serve(): Promise<Running> {
  const child = spawn(process.execPath, [mainJs, 'serve', '--port', '0', '--db', db, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // The replayed market stands still: the ticket's limits and the book's toTrade stay put.
      ILHEDGE_REPLAY_INTERVAL_MS: '3600000',
      ILHEDGE_LOG_LEVEL: 'info',
      ILHEDGE_DERIBIT_API_KEY: credentials.apiKey,
      ILHEDGE_DERIBIT_API_SECRET: credentials.secret,
    },
  });
  children.push(child);
  const lines: Json[] = [];
  let buffered = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 45_000);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        try {
          const l = JSON.parse(line) as Json;
          lines.push(l);
          if (/desk service ready/.test(l.msg ?? '') && l.url) {
            clearTimeout(timer);
            resolve({ child, url: l.url as string, lines, exited });
          }
        } catch {
          /* not a log line */
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ready: ${stderr}`)));
  });
}

async function until<T>(what: string, read: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('execution across a SIGKILL of the built service', () => {
  it('reconciles after the kill, completes the ticket, never sends a client order id twice', async () => {
    expect(existsSync(mainJs), `${mainJs} missing: run npm run build first`).toBe(true);
    const store = await openStore(db);
    const proposer = (await store.createApiKey('trader', 'test', 'proposer')).key;
    const executor = (await store.createApiKey('trader', 'test', 'executor')).key;
    const viewer = (await store.createApiKey('viewer', 'test')).key;
    await store.close();
    const call = async (s: Running, method: string, path: string, key: string, body?: unknown) => {
      const r = await request(
        `${s.url}${path}`,
        method,
        {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body === undefined ? undefined : JSON.stringify(body),
      );
      return { status: r.status, json: JSON.parse(r.text) as Json, text: r.text };
    };

    const first = await serve();
    const proposed = await call(first, 'POST', '/api/tickets', proposer, { mode: 'dynamic' });
    expect(proposed.status, proposed.text).toBe(201);
    const id = proposed.json.id as string;
    const legs = proposed.json.legs as Json[];
    expect(legs.length).toBeGreaterThanOrEqual(2);
    expect((await call(first, 'POST', `/api/tickets/${id}/approve`, executor, {})).status).toBe(200);

    // The first order fills half at its placing and the rest a moment later (pushed); the second order is accepted
    // by the venue but its answer is held back: the service is killed while it waits for it.
    let placed = 0;
    fake.onPlace = (order) => {
      placed++;
      if (placed === 1) {
        const half = order.instrument_name === 'BTC-PERPETUAL' ? Math.round(order.amount / 20) * 10 : order.amount / 2;
        return { fill: half, later: [{ afterMs: 100, amount: order.amount - half }] };
      }
      if (placed === 2) return { delayMs: 60_000 };
      return { fill: order.amount };
    };
    const started = await call(first, 'POST', `/api/tickets/${id}/execute`, executor, {});
    expect(started.status, started.text).toBe(202);
    await until('the second order at the venue', () => fake.placeCalls.length >= 2);
    const inFlight = fake.placeCalls[1]!.label;
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fake.placeCalls).toHaveLength(2);
    const firstOrder = fake.byLabel(fake.placeCalls[0]!.label)!;
    expect(firstOrder.order_state).toBe('filled');

    // While the service is down, the venue fills part of the order whose answer never arrived.
    const stranded = fake.byLabel(inFlight)!;
    expect(stranded.order_state).toBe('open');
    const part =
      stranded.instrument_name === 'BTC-PERPETUAL' ? Math.round(stranded.amount / 20) * 10 : stranded.amount / 2;
    fake.fill(stranded, part);
    fake.onPlace = (order) => ({ fill: order.amount });

    const second = await serve();
    const reconciled = await until('the reconcile log line', () =>
      second.lines.find((l) => l.msg === 'execution reconciled with the venues'),
    );
    expect(reconciled.updated).toContain(inFlight);
    expect(reconciled.failures).toEqual([]);
    const atStart = (await call(second, 'GET', `/api/orders?ticketId=${id}`, viewer)).json.orders as Json[];
    expect(atStart.find((o) => o.id === inFlight)).toMatchObject({ state: 'partially-filled' });
    expect(atStart.find((o) => o.id === inFlight).filledContracts).toBeGreaterThan(0);

    // Executed again: the stranded order is followed (the venue fills its rest once it is followed), the rest placed.
    const again = call(second, 'POST', `/api/tickets/${id}/execute`, executor, { wait: true });
    await until(
      'the restarted service following the stranded order',
      () => second.lines.some((l) => l.msg === 'order subscription up') || fake.pollsOf([inFlight]) > 1,
    );
    fake.fill(stranded, stranded.amount - stranded.filled_amount);
    const done = await again;
    expect(done.status, done.text).toBe(200);
    expect(done.json.execution.outcome, JSON.stringify(done.json.execution.legs)).toBe('filled');

    // No client order id was ever sent twice: every label placed once, the stranded one never again.
    expect(fake.duplicateLabels()).toEqual([]);
    expect(fake.placeCalls.filter((c) => c.label === inFlight)).toHaveLength(1);
    for (const c of fake.placeCalls) expect(parseClientOrderId(c.label)).not.toBeNull();
    const orders = (await call(second, 'GET', `/api/orders?ticketId=${id}`, viewer)).json.orders as Json[];
    expect(orders.every((o) => ['filled', 'cancelled', 'expired'].includes(o.state))).toBe(true);
    expect(orders.find((o) => o.id === inFlight).events.map((e: Json) => e.note)).toContain('reconciled at start-up');

    // The holdings are the venue's fills, instrument by instrument; nothing is left to trade.
    const holdings = (await call(second, 'GET', '/api/holdings', viewer)).json.holdings as Json[];
    for (const leg of legs) {
      const venue = fake.trades
        .filter((tr) => tr.instrument_name === leg.instrument && tr.label.startsWith(`ilh.${id.replace(/-/g, '')}`))
        .reduce(
          (s, tr) =>
            s +
            (tr.instrument_name === 'BTC-PERPETUAL' ? tr.amount / 10 : tr.amount) * (tr.direction === 'buy' ? 1 : -1),
          0,
        );
      const fills = holdings
        .filter((h) => h.instrument === leg.instrument)
        .flatMap((h) => (h.fills as Json[]).filter((f) => f.ticketId === id))
        .reduce((s: number, f: Json) => s + f.contracts, 0);
      expect(fills, leg.instrument).toBeCloseTo(venue, 9);
      expect(venue, leg.instrument).toBeCloseTo((leg.side === 'buy' ? 1 : -1) * leg.contracts, 9);
    }
    const book = (await call(second, 'GET', '/api/book', viewer)).json.book.byUnderlying['deribit/BTC'];
    expect(book.toTrade.contracts).toBe(0);
    expect((await call(second, 'GET', `/api/tickets/${id}`, viewer)).json.status).toBe('executed');

    second.child.kill('SIGTERM');
    await second.exited;
  }, 120_000);
});
