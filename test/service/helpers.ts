/** Shared test scaffolding: a real service on loopback fed by a scripted feed built from a real Deribit chain. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startService } from '../../src/service/server.js';
import type { ServiceHandle, ServiceOptions } from '../../src/service/server.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { FeedOption, FeedSnapshot, PositionSpec } from '../../src/service/types.js';
import { createLogger } from '../../src/service/server.js';

interface ChainFixture {
  snapshot_time: string;
  forwards: { expiry: string; forward_price: number; index_price: number }[];
  funding_rates: { index_price: number; instrument_name: string }[];
  instruments: {
    instrument_name: string;
    expiry: string;
    option_type: 'C' | 'P';
    strike: number;
    contract_size: number;
  }[];
  option_quotes: {
    instrument_name: string;
    mark_price: number;
    deribit_mark_iv: number;
    best_bid: number;
    best_ask: number;
  }[];
}

export const fixturePath = fileURLToPath(
  new URL('../fixtures/service/deribit-btc-2026-05-26-subset.json', import.meta.url),
);

/** The real Deribit BTC chain of 2026-05-26 (three expiries) as a feed snapshot: IV percent -> decimal, BTC premium x forward -> USD. */
export function fixtureSnapshot(): Omit<FeedSnapshot, 'seq' | 'receivedAtMs'> {
  const raw = JSON.parse(readFileSync(fixturePath, 'utf8')) as ChainFixture;
  const forwards = new Map(raw.forwards.map((f) => [Date.parse(f.expiry), f.forward_price]));
  const quotes = new Map(raw.option_quotes.map((q) => [q.instrument_name, q]));
  const options: FeedOption[] = [];
  for (const inst of raw.instruments) {
    const q = quotes.get(inst.instrument_name);
    const expiryMs = Date.parse(inst.expiry);
    const forward = forwards.get(expiryMs);
    if (!q || !forward) continue;
    options.push({
      instrument: inst.instrument_name,
      optionType: inst.option_type === 'C' ? 'call' : 'put',
      strike: inst.strike,
      expiryMs,
      forward,
      markIv: q.deribit_mark_iv / 100,
      markPriceQuote: q.mark_price * forward,
      contractSizeBase: inst.contract_size,
      inverse: true,
    });
  }
  const index = raw.funding_rates[0]!.index_price;
  return {
    venue: 'deribit',
    underlying: 'BTC',
    source: 'scripted',
    label: 'test: Deribit BTC 2026-05-26 subset',
    asOfMs: Date.parse(raw.snapshot_time),
    spot: index,
    perp: { instrument: 'BTC-PERPETUAL', markPriceQuote: index, contractValueQuote: 10 },
    options,
  };
}

export const v3Position: PositionSpec = {
  name: 'BTC/USDC v3 70k-82k',
  venue: 'deribit',
  underlying: 'BTC',
  pool: { kind: 'v3', lowerPrice: 70_000, upperPrice: 82_000 },
  entryPrice: 75_800,
  notionalQuote: 1_000_000,
};

export const v2Position: PositionSpec = {
  name: 'BTC/USDC v2',
  venue: 'deribit',
  underlying: 'BTC',
  pool: { kind: 'v2' },
  entryPrice: 75_000,
  notionalQuote: 250_000,
};

/** Parsed JSON of a response or message: tests read fields freely and assert on them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestService {
  handle: ServiceHandle;
  feed: ScriptedFeed;
  keys: { admin: string; trader: string; viewer: string };
  url: string;
  call(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; raw?: string },
  ): Promise<{ status: number; json: Json; text: string }>;
}

const agent = new http.Agent({ keepAlive: false });

/** A plain node:http request (undici's fetch costs several ms of CPU per call on a busy 2-core machine). */
export function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function startTestService(extra: Partial<ServiceOptions> = {}): Promise<TestService> {
  const feed = new ScriptedFeed(fixtureSnapshot());
  const handle = await startService({
    dbPath: ':memory:',
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: [v3Position, v2Position],
    ...extra,
  });
  const keys = {
    admin: handle.store.createApiKey('admin', 'test').key,
    trader: handle.store.createApiKey('trader', 'test').key,
    viewer: handle.store.createApiKey('viewer', 'test').key,
  };
  const call: TestService['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    const key = opts.key === undefined ? keys.admin : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(handle.url + path, method, headers, body);
    const text = res.text;
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };
  return { handle, feed, keys, url: handle.url, call };
}
