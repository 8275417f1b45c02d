/**
 * Recordings under damage: the real 2026-05-22 Deribit REST capture written as a recording file with one thing
 * broken (a field of a quote or an instrument replaced by a wrong type or an absurd number, a body cut short, an
 * error status, a route missing, the file itself cut), then loaded through `replay:<file>` as the CLI and the
 * service load it. Every load either gives a snapshot in which no number is NaN or infinite, or fails with a coded
 * error of the registry (never a TypeError from a shape the adapter did not expect); the error names the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMarketSnapshot } from '../../adapters/source.js';
import type { Recording } from '../../adapters/recording.js';
import { IlhedgeError } from '../../pricing/errors.js';
import { DERIBIT_2026_ROUTES, recordingOf } from '../adapters/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-recording-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE: Recording = recordingOf('deribit', DERIBIT_2026_ROUTES);
const RESULTS = BASE.http.map((h) => (JSON.parse(h.body) as { result: unknown }).result);

/** Where a number hides in the snapshot: every non-finite one with its path. */
function nonFinite(value: unknown, path: string, out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${path} = ${value}`);
  } else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    if (value instanceof Map) for (const [k, v] of value) nonFinite(v, `${path}.${String(k)}`, out, seen);
    else for (const [k, v] of Object.entries(value)) nonFinite(v, `${path}.${k}`, out, seen);
  }
  return out;
}

const badValue = fc.oneof(
  fc.constantFrom(null, '', 'abc', '1e999', -1, 0, 1e308, -1e308, true, [], {}, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
);

type Damage =
  | { kind: 'field'; route: number; entry: number; key: number; value: unknown }
  | { kind: 'truncate'; route: number; at: number }
  | { kind: 'status'; route: number; status: number }
  | { kind: 'drop'; route: number }
  | { kind: 'file'; at: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('field' as const),
      route: fc.nat(),
      entry: fc.nat(),
      key: fc.nat(),
      value: badValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), route: fc.nat(), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      route: fc.nat(),
      status: fc.constantFrom(400, 429, 500, 502, 503),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), route: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('file' as const), at: fc.nat() }) },
);

/** The recording file's text with `d` applied. */
function damaged(d: Damage): string {
  const rec = structuredClone(BASE);
  if (d.kind === 'file') {
    const text = JSON.stringify(rec);
    return text.slice(0, d.at % text.length);
  }
  const route = d.route % rec.http.length;
  if (d.kind === 'drop') rec.http.splice(route, 1);
  else if (d.kind === 'status') rec.http[route]!.status = d.status;
  else if (d.kind === 'truncate') {
    const body = rec.http[route]!.body;
    rec.http[route]!.body = body.slice(0, d.at % body.length);
  } else {
    const result = structuredClone(RESULTS[route]);
    const entries = Array.isArray(result) ? result : [result];
    const entry = entries[d.entry % entries.length] as Record<string, unknown>;
    const keys = Object.keys(entry);
    entry[keys[d.key % keys.length]!] = d.value;
    const envelope = JSON.parse(rec.http[route]!.body) as Record<string, unknown>;
    rec.http[route]!.body = JSON.stringify({ ...envelope, result });
  }
  return JSON.stringify(rec);
}

let n = 0;
describe('replay of a damaged recording', () => {
  it('loads the undamaged file (the baseline the damage is applied to)', async () => {
    const file = join(dir, 'clean.json');
    writeFileSync(file, JSON.stringify(BASE));
    const snapshot = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: `replay:${file}` });
    expect(snapshot.chains.reduce((n, c) => n + c.options.length, 0)).toBeGreaterThanOrEqual(5);
    expect(nonFinite(snapshot, 'snapshot')).toEqual([]);
  });

  it('gives a snapshot with only finite numbers, or a coded error naming the file', async () => {
    const outcomes = { loaded: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const file = join(dir, `damaged-${n++}.json`);
        writeFileSync(file, damaged(d));
        let snapshot: Awaited<ReturnType<typeof loadMarketSnapshot>> | null = null;
        let failure: unknown = null;
        try {
          snapshot = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: `replay:${file}` });
        } catch (error) {
          failure = error;
        }
        if (snapshot) {
          expect(nonFinite(snapshot, 'snapshot'), JSON.stringify(d)).toEqual([]);
          outcomes.loaded++;
        } else {
          expect(failure, `${JSON.stringify(d)}: ${String(failure)}`).toBeInstanceOf(IlhedgeError);
          expect((failure as IlhedgeError).code).not.toBe('internal');
          expect((failure as Error).message, JSON.stringify(d)).toContain(file);
          outcomes.refused++;
        }
      }),
      { numRuns: 300, seed: 20261203 },
    );
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);
});
