/**
 * Sanity checks: each defect, planted in a real quote of the built-in chain, is flagged with its reason and the
 * quote leaves `usableForHedging`; clean quotes stay usable. Time is always passed in.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Chain, OptionQuote, PerpQuote } from '../../adapters/model.js';
import { checkOption, checkParity, checkPerp, runSanity, tickAt } from '../../adapters/sanity.js';
import { buildChains, loadMarketSnapshot, parityForward, type LoadedSnapshot } from '../../adapters/source.js';

let snap: LoadedSnapshot;
let chain: Chain; // 2026-06-26, forward 75957.4
let call: OptionQuote; // BTC-26JUN26-80000-C
let put: OptionQuote; // BTC-26JUN26-80000-P
let asOfMs: number;

beforeAll(async () => {
  snap = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  chain = snap.chains.find((c) => c.expiryIso.startsWith('2026-06-26'))!;
  call = chain.options.find((o) => o.instrument.venueId === 'BTC-26JUN26-80000-C')!;
  put = chain.options.find((o) => o.instrument.venueId === 'BTC-26JUN26-80000-P')!;
  asOfMs = snap.source.dataTimeMs;
});

const reasons = (issues: { reason: string }[]) => issues.map((i) => i.reason).sort();

describe('per-quote checks', () => {
  it('a clean real quote has no finding', () => {
    expect(checkOption(call, { asOfMs })).toEqual([]);
    expect(checkOption(put, { asOfMs })).toEqual([]);
  });

  it('crossed book', () => {
    const q = { ...call, bidSettle: 0.02, askSettle: 0.019 };
    const issues = checkOption(q, { asOfMs });
    expect(reasons(issues)).toEqual(['crossed-book']);
    expect(issues[0]!.detail).toBe('bid 0.02 above ask 0.019');
  });

  it('empty book (no bid, no ask); a one-sided book is not a finding', () => {
    expect(reasons(checkOption({ ...call, bidSettle: null, askSettle: null }, { asOfMs }))).toEqual(['empty-book']);
    expect(checkOption({ ...call, bidSettle: null }, { asOfMs })).toEqual([]);
  });

  it('zero and absurd IVs', () => {
    expect(reasons(checkOption({ ...call, markIv: 0 }, { asOfMs }))).toEqual(['zero-iv']);
    expect(reasons(checkOption({ ...call, markIv: 60.86 }, { asOfMs }))).toEqual(['absurd-iv']); // a percent left undivided
    expect(reasons(checkOption({ ...call, markIv: 0.005 }, { asOfMs }))).toEqual(['absurd-iv']);
    expect(checkOption({ ...call, markIv: 4.9 }, { asOfMs })).toEqual([]);
  });

  it('expired and inactive instruments', () => {
    const expiry = call.instrument.expiryMs!;
    expect(reasons(checkOption(call, { asOfMs: expiry, maxAgeMs: Infinity }))).toEqual(['expired']);
    expect(checkOption(call, { asOfMs: expiry - 1, maxAgeMs: Infinity })).toEqual([]);
    expect(reasons(checkOption({ ...call, instrument: { ...call.instrument, active: false } }, { asOfMs }))).toEqual([
      'inactive',
    ]);
  });

  it('no mark and no forward', () => {
    expect(reasons(checkOption({ ...call, markSettle: null, markQuote: null }, { asOfMs }))).toEqual(['no-mark']);
    expect(reasons(checkOption({ ...call, forward: null }, { asOfMs }))).toEqual(['no-forward']);
  });

  it('mark below intrinsic value on the forward by more than a tick', () => {
    // Deep ITM call at K = 60000: intrinsic 15957.4; a mark of 15000 USD breaks the bound.
    const itm = chain.options.find((o) => o.instrument.venueId === 'BTC-26JUN26-60000-C')!;
    const issues = checkOption({ ...itm, markQuote: 15000 }, { asOfMs });
    expect(reasons(issues)).toEqual(['mark-outside-bounds']);
  });

  it('stale iff older than maxAgeMs at asOfMs (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 5_000_000 }), (age, maxAgeMs) => {
        const issues = checkOption(call, { asOfMs: call.timestampMs + age, maxAgeMs });
        return issues.some((i) => i.reason === 'stale') === age > maxAgeMs;
      }),
    );
  });

  it('the perp: crossed book and missing mark', () => {
    const perp = snap.perp as PerpQuote;
    expect(checkPerp(perp, { asOfMs })).toEqual([]);
    expect(reasons(checkPerp({ ...perp, bid: perp.ask! + 1 }, { asOfMs }))).toEqual(['crossed-book']);
    expect(reasons(checkPerp({ ...perp, mark: null }, { asOfMs }))).toEqual(['no-mark']);
  });

  it('Deribit tick steps: 0.0001 BTC up to 0.005, 0.0005 above', () => {
    expect(tickAt(call.instrument, 0.004)).toBe(0.0001);
    expect(tickAt(call.instrument, 0.02)).toBe(0.0005);
  });
});

describe('put-call parity per strike', () => {
  it('holds on the real chain', () => {
    expect(checkParity(chain, { asOfMs })).toEqual([]);
  });

  it('flags both legs when the books allow an arbitrage against the forward', () => {
    // Raise the call bid above P_ask + F - K: buying the put and selling the call beats the forward.
    const fk = chain.forward - 80000;
    const badBidQuote = put.askQuote! + fk + 200;
    const badCall = {
      ...call,
      bidSettle: badBidQuote / chain.forward,
      bidQuote: badBidQuote,
      askQuote: badBidQuote + 10,
    };
    const broken = { ...chain, options: chain.options.map((o) => (o === call ? badCall : o)) };
    const issues = checkParity(broken, { asOfMs });
    expect(issues.map((i) => i.symbol).sort()).toEqual([call.instrument.symbol, put.instrument.symbol].sort());
    expect(issues[0]!.reason).toBe('parity-violation');
    expect(issues[0]!.detail).toMatch(/C_bid - P_ask = .* > F - K/);
  });

  it('flags marks that disagree with the forward beyond the tolerance', () => {
    const moved = { ...chain, forward: chain.forward + 200 };
    const issues = checkParity(moved, { asOfMs });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.reason === 'parity-violation')).toBe(true);
  });
});

describe('runSanity', () => {
  it('excludes every flagged quote from usableForHedging and reports unknown instruments', () => {
    const crossed = { ...call, bidSettle: 0.5, askSettle: 0.1 };
    const c = { ...chain, options: chain.options.map((o) => (o === call ? crossed : o)) };
    const report = runSanity(
      { chains: [c], perp: snap.perp, futures: [], unknown: ['BTC-26JUN26-81000-C'] },
      { asOfMs },
    );
    expect(report.usableForHedging.has(call.instrument.symbol)).toBe(false);
    expect(report.usableForHedging.has(put.instrument.symbol)).toBe(true);
    expect(report.usableForHedging.size).toBe(chain.options.length - 1 + 1);
    expect(report.issues.find((i) => i.reason === 'unknown-instrument')?.symbol).toBe('BTC-26JUN26-81000-C');
  });

  it('refuses a non-finite asOfMs instead of reading the clock', () => {
    expect(() => checkOption(call, { asOfMs: Number.NaN })).toThrow(/asOfMs/);
  });
});

describe('forwards', () => {
  it('put-call-parity forward from coin premiums: F = K / (1 - (c - p))', () => {
    // On the marks of 26JUN26, the parity forward is within 3 USD of Deribit's underlying_price 75957.4.
    expect(Math.abs(parityForward(chain.options, 'mark')! - 75957.4)).toBeLessThan(3);
    expect(chain.parityForward).toBe(parityForward(chain.options, 'mark'));
  });

  it('a chain without venue forwards falls back to parity (OKX, Binance), and fills quote-currency prices', () => {
    const stripped = chain.options.map((o) => ({
      ...o,
      forward: null,
      bidQuote: null,
      askQuote: null,
      markQuote: null,
    }));
    const [c] = buildChains('deribit', 'BTC', stripped, []);
    expect(c!.forwardMethod).toBe('parity');
    expect(Math.abs(c!.forward - 75957.4)).toBeLessThan(20);
    const q = c!.options.find((o) => o.instrument.venueId === 'BTC-26JUN26-80000-C')!;
    expect(q.forward).toBe(c!.forward);
    expect(q.markQuote).toBeCloseTo(q.markSettle! * c!.forward, 9);
  });
});
