/**
 * Scaffolding of the live-feed tests: a loopback Deribit (`adapters/live/loopbackVenue.ts`) that serves the
 * built-in recording's REST responses (the Deribit BTC chain of 2026-05-26: `get_instruments`,
 * `get_book_summary_by_currency`, `public/ticker`) and publishes `ticker.<instrument>.100ms` notifications in the
 * field set of the recorded Deribit frames (`test/fixtures/exchanges/deribit/ws_ticker_book_options_2021-07-22.json`,
 * see SOURCES.md), with the values of that chain, moved consistently when the test moves the market
 * (`moveMarket`: index, perp, futures and every forward by one factor, option marks repriced from their IVs).
 *
 * The recording's instruments expire from 2026-05-27 on, so the whole test (venue stamps, the feed, the service)
 * runs on one clock that starts at the recording's own time and advances with the wall clock: a day replayed live.
 * Clock skew is the venue stamping its frames off that clock.
 */
import http from 'node:http';
import WebSocket from 'ws';
import {
  builtinRecording,
  loadMarketSnapshot,
  moveMarket,
  type LoadedSnapshot,
  type Quote,
} from '../../adapters/index.js';
import { deribitTickerFrame, startLoopbackVenue, type LoopbackVenue } from '../../adapters/live/loopbackVenue.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliServeOptions } from '../../src/service/config.js';
import { nowPrecise } from '../../src/service/feeds/base.js';
import { runService, type LiveTuning, type RunServiceResult } from '../../src/service/run.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The test's clock: the recording's time at start, then advancing with the wall clock. */
export class DayClock {
  readonly kind = 'manual' as const;
  private offset: number;
  constructor(startMs: number) {
    this.offset = startMs - nowPrecise();
  }
  readonly now = (): number => nowPrecise() + this.offset;
}

import { tickerData } from '../../adapters/live/deribitTickerData.js';
import { testStoreLocation } from '../helpers/testStore.js';

let base: Promise<LoadedSnapshot> | undefined;
export function builtinChain(): Promise<LoadedSnapshot> {
  base ??= loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  return base;
}

export { tickerData };

export interface DeribitLoopback {
  venue: LoopbackVenue;
  clock: DayClock;
  chain: LoadedSnapshot;
  /** The factor of the market last published. */
  factor: number;
  /**
   * Publishes one ticker frame per subscribed instrument, the market moved by `factor` at the clock's now (plus
   * `skewMs`: the venue's clock off ours). Returns the frames sent.
   */
  publish(factor?: number, opts?: { skewMs?: number }): Promise<number>;
  /** The ticker frame of one instrument (venue id) at the current factor, stamped `atMs`. */
  frame(venueId: string, atMs: number): string;
  /** Publishes every `everyMs` until stopped (a venue streaming). */
  stream(everyMs: number, opts?: { skewMs?: number }): { stop(): Promise<void> };
  close(): Promise<void>;
}

export async function startDeribitLoopback(): Promise<DeribitLoopback> {
  const chain = await builtinChain();
  const clock = new DayClock(chain.source.dataTimeMs);
  const { recording } = builtinRecording('deribit', 'BTC');
  const venue = await startLoopbackVenue({ venue: 'deribit', http: recording.http, clock });
  /** Every quote of the chain moved by `factor` at the clock's now, by venue id. */
  const quotesAt = (factor: number): { byId: Map<string, Quote>; index: number | null } => {
    const moved = moveMarket(chain, { priceFactor: factor, asOfMs: clock.now(), label: 'loopback' });
    const byId = new Map<string, Quote>();
    for (const c of moved.chains) for (const o of c.options) byId.set(o.instrument.venueId, o);
    for (const f of moved.futures) byId.set(f.instrument.venueId, f);
    if (moved.perp) byId.set(moved.perp.instrument.venueId, moved.perp);
    return { byId, index: moved.perp?.index ?? moved.index };
  };
  const loop: DeribitLoopback = {
    venue,
    clock,
    chain,
    factor: 1,
    frame(venueId, atMs) {
      const { byId, index } = quotesAt(loop.factor);
      const q = byId.get(venueId);
      if (!q) throw new Error(`loopback: no quote for ${venueId}`);
      return deribitTickerFrame(tickerData(q, atMs, index));
    },
    async publish(factor = loop.factor, opts = {}) {
      loop.factor = factor;
      const at = clock.now() + (opts.skewMs ?? 0);
      const { byId, index } = quotesAt(factor);
      let sent = 0;
      for (const key of venue.subscribed()) {
        const [kind, id] = key.split('.') as [string, string];
        const q = kind === 'ticker' ? byId.get(id) : undefined;
        if (!q) continue;
        if ((await venue.publish(deribitTickerFrame(tickerData(q, at, index)))) > 0) sent += 1;
      }
      return sent;
    },
    stream(everyMs, opts = {}) {
      let stopped = false;
      const running = (async () => {
        while (!stopped) {
          await loop.publish(loop.factor, opts);
          await new Promise((r) => setTimeout(r, everyMs));
        }
      })();
      return {
        async stop() {
          stopped = true;
          await running;
        },
      };
    },
    close: () => venue.close(),
  };
  return loop;
}

const agent = new http.Agent({ keepAlive: false });

export function get(url: string, key?: string): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const req = http.request(url, { method: 'GET', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Json }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A hedge-stream client on `positionIds`; `next(pred)` resolves with the first matching message from now on. */
export async function hedgeClient(serviceUrl: string, key: string, positionIds: readonly string[] = ['v3']) {
  const ws = new WebSocket(serviceUrl.replace('http', 'ws') + '/ws', { headers: { authorization: `Bearer ${key}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const messages: Json[] = [];
  const waiters: { pred: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as Json;
    messages.push(msg);
    for (const w of [...waiters])
      if (w.pred(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
  });
  ws.send(JSON.stringify({ type: 'subscribe', positionIds }));
  const client = {
    ws,
    messages,
    /** The first message matching `pred` received after this call. */
    next(pred: (m: Json) => boolean, timeoutMs = 10_000, what = 'message'): Promise<Json> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const last = messages.at(-1);
          const brief = last && { ...last, lp: undefined, holdings: undefined, net: undefined, suggestion: undefined };
          reject(new Error(`timeout waiting for ${what}; last message: ${JSON.stringify(brief)?.slice(0, 800)}`));
        }, timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => ws.close(),
  };
  await client.next((m) => m.type === 'subscribed', 5000, 'subscribed');
  return client;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`, naming `what`). */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timeout: ${what} (last: ${JSON.stringify(last)})`);
}

const LOWER = 70_000;
const UPPER = 82_000;
const ENTRY = 75_800;
const DEPOSIT = 1_000_000;

/** Liquidity of the v3 position from its deposit at entry (docs/CONVENTIONS.md "LP payoff"), computed here. */
export const L = DEPOSIT / (2 * Math.sqrt(ENTRY) - Math.sqrt(LOWER) - ENTRY / Math.sqrt(UPPER));
export const v3Delta = (p: number) => L * (1 / Math.sqrt(p) - 1 / Math.sqrt(UPPER));
export const v3Gamma = (p: number) => -L / (2 * p ** 1.5);

export function deskConfigFile(venue: { restUrl: string; wsUrl: string }, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ilhedge-live-'));
  const file = join(dir, 'desk.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'live loopback desk',
      market: {
        venue: 'deribit',
        underlying: 'BTC',
        // The desk's file says builtin; `serveLive` passes `--source live`, which overrides it (as the CLI does).
        source: 'builtin',
        endpoints: { deribit: { rest: venue.restUrl, ws: venue.wsUrl } },
      },
      positions: [
        { id: 'v3', kind: 'lp', model: 'v3', lower: LOWER, upper: UPPER, price: ENTRY, depositValue: DEPOSIT },
      ],
      ...extra,
    }),
  );
  return file;
}

/** Market data older than this (ms, on the venue's clock) is stale in these tests. */
export const MAX_AGE_MS = 2000;

/**
 * `ilhedge serve --source live` in process: the desk config points `market.endpoints` at the loopback venue, the
 * service and the feed run on the loopback's clock, with short live timings.
 */
export async function serveLive(
  loop: DeribitLoopback,
  cleanups: (() => Promise<void> | void)[],
  opts: { env?: Record<string, string>; cli?: Partial<CliServeOptions>; live?: LiveTuning } = {},
): Promise<RunServiceResult> {
  const result = await runService(
    {
      config: deskConfigFile(loop.venue),
      db: await testStoreLocation('live_venue'),
      port: 0,
      source: 'live',
      ...opts.cli,
    },
    { ILHEDGE_LOG_LEVEL: 'silent', ILHEDGE_MAX_FEED_AGE_MS: String(MAX_AGE_MS), ...opts.env },
    {
      now: loop.clock.now,
      live: {
        idleTimeoutMs: 2500,
        staleCheckMs: 200,
        rateLimitCooldownMs: 600,
        backoff: { initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 0, resetAfterMs: 1000 },
        ...opts.live,
      },
    },
  );
  cleanups.push(() => result.handle.close());
  return result;
}
