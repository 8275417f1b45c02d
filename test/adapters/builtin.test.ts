/**
 * The packaged Deribit BTC chain: reconstructed in wire format from the real 2026-05-26 export, replayed through
 * ccxt like any recording. Compared value by value with the export it was built from, and Black-76 recomputed
 * from every normalised mark IV must give back the venue's mark price.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FILE, buildBuiltinFromFixtures, settlementPeriod } from '../../adapters/builtin/build.js';
import { builtinRecording } from '../../adapters/builtin/index.js';
import { builtinDir } from '../../adapters/builtin/paths.js';
import type { OptionQuote } from '../../adapters/model.js';
import { parseRecording } from '../../adapters/recording.js';
import { loadMarketSnapshot, type LoadedSnapshot } from '../../adapters/source.js';
import { black76Greeks, black76Price } from '../../pricing/black.js';
import { fixtureJson } from './fixtures.js';

interface ExportQuote {
  instrument_name: string;
  best_bid: number | null;
  best_ask: number | null;
  mark_price: number;
  deribit_mark_iv: number;
  open_interest: number;
}
interface Export {
  snapshot_time: string;
  forwards: { expiry: string; forward_price: number }[];
  instruments: { instrument_name: string; expiry: string; strike: number; option_type: 'C' | 'P' }[];
  option_quotes: ExportQuote[];
}

const exported = fixtureJson<Export>('deribit', 'normalized_option_chain_BTC_2026-05-26.json');
const YEAR_MS = 365 * 86_400_000;
let snap: LoadedSnapshot;
let options: OptionQuote[];

beforeAll(async () => {
  snap = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  options = snap.chains.flatMap((c) => c.options);
});

describe('built-in recording file', () => {
  it('is a valid recording, labelled as reconstructed, and is exactly what the generator produces', () => {
    const text = readFileSync(join(builtinDir(), BUILTIN_FILE), 'utf8');
    const recording = parseRecording(JSON.parse(text));
    expect(recording.reconstructed).toBe(true);
    expect(recording.label).toMatch(/reconstructed from real/);
    expect(recording.notes?.join(' ')).toMatch(/Assumed:/);
    expect(recording.recordedAt).toBe('2026-05-26T19:27:44.000Z');
    expect(recording.http.map((h) => new URL(h.url).pathname)).toEqual([
      '/api/v2/public/get_instruments',
      '/api/v2/public/get_instruments',
      '/api/v2/public/get_book_summary_by_currency',
      '/api/v2/public/get_book_summary_by_currency',
      '/api/v2/public/ticker',
    ]);
    // Regenerating from the fixtures gives the committed file (the ccxt version is taken from the installed ccxt).
    expect(buildBuiltinFromFixtures()).toEqual(recording);
    expect(builtinRecording('deribit', 'BTC').recording).toEqual(recording);
  });

  it("uses Deribit's settlement periods", () => {
    expect(settlementPeriod(Date.parse('2026-05-27T08:00:00Z'))).toBe('day'); // Wednesday
    expect(settlementPeriod(Date.parse('2026-06-05T08:00:00Z'))).toBe('week'); // first Friday
    expect(settlementPeriod(Date.parse('2026-06-26T08:00:00Z'))).toBe('month'); // last Friday of June
  });

  it('has no built-in data for other venues or coins, with a clear message', async () => {
    await expect(loadMarketSnapshot({ venue: 'deribit', underlying: 'ETH', source: 'builtin' })).rejects.toThrow(
      /no built-in data for it; built-in data exists for: deribit BTC/,
    );
  });
});

describe('built-in chain replayed through ccxt', () => {
  it('holds all 878 options in 11 expiries with the exported forwards', () => {
    expect(options).toHaveLength(878);
    expect(snap.chains).toHaveLength(11);
    expect(snap.source).toEqual({
      kind: 'builtin',
      label: 'builtin: Deribit BTC 2026-05-26T19:27:44Z (reconstructed from real values)',
      dataTimeMs: Date.parse('2026-05-26T19:27:44Z'),
    });
    for (const f of exported.forwards) {
      const chain = snap.chains.find((c) => c.expiryMs === Date.parse(f.expiry))!;
      expect(chain.forward).toBe(f.forward_price);
    }
    // Expiries with a listed future (the real 2026-05-22 list) vs Deribit synthetic forwards.
    expect(snap.chains.map((c) => c.forwardMethod)).toEqual([
      'parity',
      'parity',
      'future',
      'parity',
      'future',
      'future',
      'future',
      'future',
      'future',
      'future',
      'future',
    ]);
  });

  it('keeps every exported value: mark IV / 100, bid, ask, mark in BTC, open interest, strike, 08:00 UTC expiry', () => {
    const byId = new Map(options.map((o) => [o.instrument.venueId, o]));
    const instruments = new Map(exported.instruments.map((i) => [i.instrument_name, i]));
    for (const e of exported.option_quotes) {
      const q = byId.get(e.instrument_name)!;
      const spec = instruments.get(e.instrument_name)!;
      expect(q.markIv).toBe(Number((e.deribit_mark_iv / 100).toPrecision(12)));
      expect(q.markSettle).toBe(e.mark_price);
      expect(q.bidSettle).toBe(e.best_bid === null || e.best_bid === 0 ? null : e.best_bid);
      expect(q.askSettle).toBe(e.best_ask);
      expect(q.openInterestContracts).toBe(e.open_interest);
      expect(q.instrument.strike).toBe(spec.strike);
      expect(q.instrument.expiryMs).toBe(Date.parse(spec.expiry));
      expect(new Date(q.instrument.expiryMs!).getUTCHours()).toBe(8);
      expect(q.instrument.optionType).toBe(spec.option_type === 'C' ? 'call' : 'put');
      expect(q.markQuote).toBeCloseTo(e.mark_price * q.forward!, 8);
    }
  });

  it('the perp carries the exported funding and index', () => {
    expect(snap.perp).toMatchObject({ fundingRate: 7e-7, index: 75795.19, fundingIntervalMs: 28_800_000 });
    expect(snap.index).toBe(75795.19);
  });

  it('sanity passes every option of the chain (no crossed books, IVs 29%..144%, marks within bounds, parity)', () => {
    const optionIssues = snap.issues.filter((i) => i.symbol.includes('-'));
    expect(optionIssues).toEqual([]);
    expect(snap.usableForHedging.size).toBe(878 + 1 + 8);
  });
});

/**
 * Black-76 from each normalised mark IV must reproduce the venue's mark. Deribit rounds mark_iv to 0.01 vol points
 * and marks to 1e-8 BTC, and computes marks on the forward its own marks imply by put-call parity (`parityForward`,
 * identical across strikes to 1e-3 USD here). The bound per option is half a price tick (0.00005 BTC, the smallest
 * tick being 0.0001 BTC); the worst case and median are printed for the README.
 */
describe('Black-76 recomputed from normalised mark IV vs the venue mark', () => {
  function errors(useParity: boolean) {
    const out: { id: string; errBtc: number; errQuote: number; ivRoundingBtc: number }[] = [];
    for (const c of snap.chains) {
      const F = useParity ? c.parityForward! : c.forward;
      const T = (c.expiryMs - snap.source.dataTimeMs) / YEAR_MS;
      for (const q of c.options) {
        const K = q.instrument.strike!;
        const g = black76Greeks(q.instrument.optionType!, F, K, T, q.markIv!);
        const priceQuote = black76Price(q.instrument.optionType!, F, K, T, q.markIv!);
        expect(g.price).toBeCloseTo(priceQuote, 9);
        const errBtc = Math.abs(priceQuote / F - q.markSettle!);
        // mark_iv is rounded to 0.01 vol point: up to 0.00005 in decimal vol.
        out.push({ id: q.instrument.venueId, errBtc, errQuote: errBtc * F, ivRoundingBtc: (g.vega * 0.00005) / F });
      }
    }
    out.sort((a, b) => a.errBtc - b.errBtc);
    return out;
  }

  it('on the parity forward of the marks: every option within half a tick (0.00005 BTC)', () => {
    for (const c of snap.chains) expect(Math.abs(c.parityForward! - c.forward)).toBeLessThan(15);
    const e = errors(true);
    expect(e).toHaveLength(878);
    const worst = e[e.length - 1]!;
    const median = e[e.length >> 1]!;
    for (const x of e) expect(x.errBtc).toBeLessThan(0.00005);
    // Most options are within the IV rounding itself.
    const withinRounding = e.filter((x) => x.errBtc <= x.ivRoundingBtc + 0.5e-8).length;
    expect(withinRounding / e.length).toBeGreaterThan(0.9);
    console.info(
      `[black76-vs-mark parity forward] worst ${worst.errBtc.toExponential(3)} BTC (${worst.errQuote.toFixed(3)} USD, ${worst.id}); ` +
        `median ${median.errBtc.toExponential(3)} BTC (${median.errQuote.toFixed(4)} USD); within IV rounding: ${withinRounding}/${e.length}`,
    );
  });

  it('on the exported underlying_price: larger, as that forward was taken at another moment than the marks', () => {
    const e = errors(false);
    const worst = e[e.length - 1]!;
    const median = e[e.length >> 1]!;
    // Bounded by two ticks (0.0002 BTC): the forwards differ from the marks' own by at most 12.6 USD (30MAY26).
    for (const x of e) expect(x.errBtc).toBeLessThan(0.0002);
    console.info(
      `[black76-vs-mark underlying_price] worst ${worst.errBtc.toExponential(3)} BTC (${worst.errQuote.toFixed(2)} USD, ${worst.id}); ` +
        `median ${median.errBtc.toExponential(3)} BTC (${median.errQuote.toFixed(3)} USD)`,
    );
  });
});
