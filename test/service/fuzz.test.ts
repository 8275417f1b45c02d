import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestService } from './helpers.js';
import type { TestService } from './helpers.js';

let t: TestService;
let routes: { method: string; path: string }[];
let realIds: string[];

let ticker: NodeJS.Timeout;

beforeAll(async () => {
  t = await startTestService();
  // A live feed throughout, so /ready answers 200 (its 503 means stale data, tested in api.test.ts).
  await t.feed.start();
  ticker = setInterval(() => t.feed.pushMove(1 + 1e-5), 200);
  const doc = (await t.call('GET', '/openapi.json')).json;
  routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );
  const ticket = await t.call('POST', '/api/tickets', {
    key: t.keys.trader,
    body: { positionIds: [(await t.call('GET', '/api/positions')).json.positions[0].id], mode: 'dynamic' },
  });
  realIds = [
    ticket.json.id,
    ...(await t.call('GET', '/api/positions')).json.positions.map((p: { id: string }) => p.id),
  ];
});
afterAll(async () => {
  clearInterval(ticker);
  await t.handle.close();
});

const segment = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('deribit', 'BTC', '..', '%', '%00', '0', '-1', 'null', 'a'.repeat(150)),
  fc.constant('REAL'),
);

/** Bodies: arbitrary JSON, near-valid objects with wrong field values, and bytes that are not JSON at all. */
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        positionIds: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constant('REAL')), { maxLength: 4 }), fc.jsonValue()),
        mode: fc.oneof(fc.constantFrom('dynamic', 'static'), fc.jsonValue()),
        policy: fc.oneof(
          fc.record({ deltaBandBase: fc.double(), horizonDays: fc.double() }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
        note: fc.oneof(fc.string(), fc.jsonValue()),
        role: fc.oneof(fc.constantFrom('viewer', 'trader', 'admin', 'root'), fc.jsonValue()),
        name: fc.oneof(fc.string(), fc.jsonValue()),
        underlying: fc.oneof(fc.constantFrom('BTC', 'ETH', ''), fc.jsonValue()),
        venue: fc.oneof(fc.constantFrom('deribit', 'nowhere'), fc.jsonValue()),
        pool: fc.oneof(
          fc.record(
            { kind: fc.constantFrom('v2', 'v3', 'v4'), lowerPrice: fc.double(), upperPrice: fc.double() },
            { requiredKeys: ['kind'] },
          ),
          fc.jsonValue(),
        ),
        entryPrice: fc.oneof(fc.double(), fc.jsonValue()),
        notionalQuote: fc.oneof(fc.double(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{', '[1,', '\u0000', 'null', '"x"', '1e999'),
);

const query = fc.dictionary(
  fc.constantFrom('status', 'limit', 'offset', 'token', 'x'),
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', '0', '-1', '1000000', 'approved')),
  { maxKeys: 3 },
);

describe('fuzzing every route', () => {
  it('never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(segment, { minLength: 3, maxLength: 3 }),
        query,
        fc.option(body, { nil: undefined }),
        fc.constantFrom<'none' | 'viewer' | 'trader' | 'admin' | 'junk'>('none', 'viewer', 'trader', 'admin', 'junk'),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (routeIndex, segments, q, rawBody, who, contentType) => {
          const route = routes[routeIndex % routes.length]!;
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => {
            const s = segments[i++ % segments.length]!;
            return encodeURIComponent(s === 'REAL' ? realIds[i % realIds.length]! : s);
          });
          const search = new URLSearchParams(q).toString();
          const headers: Record<string, string> = { 'content-type': contentType };
          if (who === 'junk') headers.authorization = 'Bearer ' + segments[0];
          else if (who !== 'none') headers.authorization = `Bearer ${t.keys[who]}`;
          const hasBody = rawBody !== undefined && route.method !== 'GET';
          const res = await request(
            `${t.url}${path}${search ? `?${search}` : ''}`,
            route.method,
            headers,
            hasBody ? rawBody.replace(/"REAL"/g, JSON.stringify(realIds[0])) : undefined,
          );
          const text = res.text;
          expect(res.status, `${route.method} ${path} -> ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
  });
});
