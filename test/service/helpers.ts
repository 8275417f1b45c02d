/** Shared test scaffolding: a real service on loopback fed by a scripted feed of the built-in (real) Deribit chain. */
import http from 'node:http';
import { loadMarketSnapshot, type LoadedSnapshot } from '../../adapters/index.js';
import { startService } from '../../src/service/server.js';
import type { ServiceHandle, ServiceOptions } from '../../src/service/server.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { LpStoredSpec } from '../../src/service/types.js';
import { createLogger } from '../../src/service/server.js';
import { testStoreLocation } from '../helpers/testStore.js';

let builtin: Promise<LoadedSnapshot> | undefined;

/** The built-in Deribit BTC chain of 2026-05-26 (878 options, real values) through the adapters, loaded once. */
export function builtinMarket(): Promise<LoadedSnapshot> {
  builtin ??= loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  return builtin;
}

export const v3Position: LpStoredSpec = {
  kind: 'lp',
  label: 'BTC/USDC v3 70k-82k',
  venue: 'deribit',
  underlying: 'BTC',
  model: 'v3',
  lower: 70_000,
  upper: 82_000,
  price: 75_800,
  depositValue: 1_000_000,
};

export const v2Position: LpStoredSpec = {
  kind: 'lp',
  label: 'BTC/USDC v2',
  venue: 'deribit',
  underlying: 'BTC',
  model: 'v2',
  price: 75_000,
  depositValue: 250_000,
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
  const feed = new ScriptedFeed(await builtinMarket());
  const handle = await startService({
    dbPath: await testStoreLocation('service'),
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: [v3Position, v2Position],
    ...extra,
  });
  const keys = {
    admin: (await handle.store.createApiKey('admin', 'test')).key,
    trader: (await handle.store.createApiKey('trader', 'test')).key,
    viewer: (await handle.store.createApiKey('viewer', 'test')).key,
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
