import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { black76Price } from '../../../pricing/black.js';
import { InvalidInputError } from '../../../pricing/errors.js';
import {
  lpEntryAmounts,
  lpImpermanentLoss,
  lpState,
  v2FromDeposit,
  v3FromDeposit,
  weightedFromDeposit,
  type LpPosition,
} from '../../../pricing/lp/index.js';
import { continuousStrip, replicationStrip, stripHedgePayoff, type StripResult } from '../../../pricing/replication.js';
import { convergenceOrder } from './lognormal.js';

const RANGE = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
const BATCH = { position: RANGE, expiryYears: 0.0822, vol: 0.6, strikes: [1600, 1800, 2000, 2250, 2500] };

/** `f(S) + hedge(S)`: the LP's IL plus what the strip pays. */
const residual = (position: LpPosition, strip: StripResult, s: number) =>
  lpImpermanentLoss(position, s) + stripHedgePayoff(strip, s);

/** Strikes uniform on [lower, P0] and on [P0, upper] with `m` intervals a side (P0 is always a strike). */
function refinedStrikes(lower: number, p0: number, upper: number, m: number): number[] {
  const strikes: number[] = [];
  for (let i = 0; i < m; i++) strikes.push(lower + ((p0 - lower) * i) / m);
  for (let i = 0; i <= m; i++) strikes.push(p0 + ((upper - p0) * i) / m);
  return strikes;
}

describe('the batch example: v3 [1600, 2500] at 2000, strikes 1600/1800/2000/2250/2500', () => {
  const strip = replicationStrip(BATCH);

  it('buys puts below and calls above, half a put and half a call at the expansion strike', () => {
    expect(strip.legs.map((l) => `${l.type}@${l.strike}`)).toEqual([
      'put@1600',
      'put@1800',
      'put@2000',
      'call@2000',
      'call@2250',
      'call@2500',
    ]);
    for (const leg of strip.legs) expect(leg.quantity).toBeGreaterThan(0);
    const [put2000, call2000] = [strip.legs[2]!, strip.legs[3]!];
    expect(put2000.quantity).toBe(call2000.quantity);
  });

  it('weights are the slope changes of the IL interpolant, with the true slopes outside the range', () => {
    const il = (p: number) => lpImpermanentLoss(RANGE, p);
    const x0 = lpEntryAmounts(RANGE).amountBase;
    const slopes = [
      lpState(RANGE, 1600).delta - x0, // below the range IL is linear with slope x(Pa) - x0
      (il(1800) - il(1600)) / 200,
      (il(2000) - il(1800)) / 200,
      (il(2250) - il(2000)) / 250,
      (il(2500) - il(2250)) / 250,
      lpState(RANGE, 2500).delta - x0, // above: -x0
    ];
    const quantity = (type: string, strike: number) =>
      strip.legs.find((l) => l.type === type && l.strike === strike)!.quantity;
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12);
    close(quantity('put', 1600), -(slopes[1]! - slopes[0]!));
    close(quantity('put', 1800), -(slopes[2]! - slopes[1]!));
    close(quantity('put', 2000), -(slopes[3]! - slopes[2]!) / 2);
    close(quantity('call', 2250), -(slopes[4]! - slopes[3]!));
    close(quantity('call', 2500), -(slopes[5]! - slopes[4]!));
    close(strip.forward, -(slopes[2]! + slopes[3]!) / 2);
    expect(Math.abs(strip.forward)).toBeLessThan(0.1); // the "small forward"
  });

  it('the LP plus the hedge is flat at every strike and everywhere outside the range (no tail for v3)', () => {
    for (const k of BATCH.strikes) expect(Math.abs(residual(RANGE, strip, k))).toBeLessThan(1e-9);
    for (const s of [100, 1000, 1500, 2600, 5000, 20000])
      expect(Math.abs(residual(RANGE, strip, s))).toBeLessThan(1e-8);
    expect(strip.tailBelow.uncoveredValue).toBe(0);
    expect(strip.tailAbove.uncoveredValue).toBe(0);
    for (const point of [...strip.tailBelow.points, ...strip.tailAbove.points])
      expect(Math.abs(point.error)).toBeLessThan(1e-8);
  });

  it('maxError is the largest residual between the strikes (checked on a fine grid)', () => {
    let gridMax = 0;
    for (let s = 1600; s <= 2500; s += 0.25) gridMax = Math.max(gridMax, Math.abs(residual(RANGE, strip, s)));
    expect(strip.maxError).toBeGreaterThanOrEqual(gridMax - 1e-9);
    expect(strip.maxError).toBeLessThan(gridMax * (1 + 1e-6));
    expect(Math.abs(residual(RANGE, strip, strip.maxErrorPrice) - strip.maxError)).toBeLessThan(1e-9);
    // Inside the strikes the chord of a concave IL lies below it: the strip over-hedges there, never under.
    for (let s = 1600; s <= 2500; s += 7) expect(residual(RANGE, strip, s)).toBeGreaterThanOrEqual(-1e-9);
  });

  it('premium prices each leg with Black-76 at the vol, discounted', () => {
    let sum = 0;
    for (const leg of strip.legs) {
      expect(leg.unitPrice).toBe(black76Price(leg.type, 2000, leg.strike, 0.0822, 0.6, 0));
      sum += leg.quantity * leg.unitPrice;
    }
    expect(strip.premium).toBeCloseTo(sum, 10);
    expect(strip.cash).toBe(0); // IL(F) = 0 at the entry forward
    expect(strip.hedgeValue).toBe(strip.premium);
    const withRate = replicationStrip({ ...BATCH, rate: 0.05 });
    expect(withRate.premium).toBeCloseTo(strip.premium * Math.exp(-0.05 * 0.0822), 9);
  });
});

describe('convergence', () => {
  const ms = [4, 8, 16, 32];

  it('the replication error falls as O(h^2) when strikes are refined (v3)', () => {
    const errors = ms.map((m) => replicationStrip({ ...BATCH, strikes: refinedStrikes(1600, 2000, 2500, m) }).maxError);
    const order = convergenceOrder(
      ms.map((m) => 1 / m),
      errors,
    );
    expect(order).toBeGreaterThan(1.9);
    expect(order).toBeLessThan(2.1);
  });

  it('the strip premium converges to the continuous integral at O(h^2) (v3)', () => {
    const strips = ms.map((m) => replicationStrip({ ...BATCH, strikes: refinedStrikes(1600, 2000, 2500, m) }));
    const continuous = continuousStrip({ position: RANGE, expiryYears: 0.0822, vol: 0.6 }).premium;
    for (const s of strips) expect(s.continuousPremium).toBeCloseTo(continuous, 9);
    const gaps = strips.map((s) => Math.abs(s.premium - continuous));
    const order = convergenceOrder(
      ms.map((m) => 1 / m),
      gaps,
    );
    expect(order).toBeGreaterThan(1.8);
    expect(gaps.at(-1)! / continuous).toBeLessThan(1e-3);
  });

  it('v2 in log-spaced strikes: O(h^2) inside, and the uncovered tails add up to the rest of the continuous strip', () => {
    const v2 = v2FromDeposit({ price: 2000, depositValue: 10000 });
    const s = 0.6 * Math.sqrt(0.0822);
    const logStrikes = (m: number) =>
      Array.from({ length: 2 * m + 1 }, (_, i) => 2000 * Math.exp((3 * s * (i - m)) / m));
    const strips = ms.map((m) =>
      replicationStrip({ position: v2, expiryYears: 0.0822, vol: 0.6, strikes: logStrikes(m) }),
    );
    const order = convergenceOrder(
      ms.map((m) => 1 / m),
      strips.map((x) => x.maxError),
    );
    expect(order).toBeGreaterThan(1.9);
    expect(order).toBeLessThan(2.1);
    const fine = strips.at(-1)!;
    expect(fine.tailBelow.uncoveredValue).toBeGreaterThan(0);
    expect(fine.tailAbove.uncoveredValue).toBeGreaterThan(0);
    const v4 = -10000 * Math.expm1((-0.36 * 0.0822) / 8);
    const inside = continuousStrip({
      position: v2,
      expiryYears: 0.0822,
      vol: 0.6,
      strikeLower: fine.tailBelow.outerStrike,
      strikeUpper: fine.tailAbove.outerStrike,
    }).premium;
    expect(inside + fine.tailBelow.uncoveredValue + fine.tailAbove.uncoveredValue).toBeCloseTo(v4, 8);
    // Beyond the outer strikes the strip is linear while IL keeps bending: a shortfall that grows with the move.
    const below = fine.tailBelow.points;
    expect(below.map((p) => p.sigmas)).toEqual([2, 3, 4]);
    // 2 sigma is inside the 3-sigma strikes: only the interpolation over-hedge, bounded by maxError.
    expect(below[0]!.error).toBeGreaterThanOrEqual(0);
    expect(below[0]!.error).toBeLessThanOrEqual(fine.maxError);
    expect(below[2]!.error).toBeLessThan(0);
    expect(fine.tailAbove.points[2]!.error).toBeLessThan(fine.tailAbove.points[1]!.error);
  });
});

describe('properties on random positions and strikes', () => {
  const strikesArb = fc
    .uniqueArray(fc.double({ min: 0.3, max: 3, noNaN: true }), { minLength: 2, maxLength: 12 })
    .map((ks) => [...ks].sort((a, b) => a - b).map((k) => 1000 * k))
    .filter((ks) => ks.every((k, i) => i === 0 || k > ks[i - 1]! * (1 + 1e-9)));
  const positionArb = fc.oneof(
    fc.constant<LpPosition>(v2FromDeposit({ price: 1000, depositValue: 1000 })),
    fc
      .tuple(fc.double({ min: 300, max: 1500, noNaN: true }), fc.double({ min: 1.05, max: 4, noNaN: true }))
      .map(([lo, ratio]) => v3FromDeposit({ lower: lo, upper: lo * ratio, price: 1000, depositValue: 1000 })),
    fc
      .double({ min: 0.1, max: 0.9, noNaN: true })
      .map((w) => weightedFromDeposit({ weight: w, price: 1000, depositValue: 1000 })),
  );

  it('the hedge matches IL at every strike, and the expansion strike gets the straddle only when it is a strike', () => {
    fc.assert(
      fc.property(positionArb, strikesArb, fc.boolean(), (position, strikes, onStrike) => {
        const forward = onStrike ? strikes[Math.floor(strikes.length / 2)]! : 1013.7;
        const strip = replicationStrip({ position, strikes, expiryYears: 0.1, vol: 0.8, forward });
        for (const k of strikes) expect(Math.abs(residual(position, strip, k))).toBeLessThan(1e-9 * 1000);
        const atForward = strip.legs.filter((l) => l.strike === forward);
        expect(atForward.length === 0 || atForward.length === 2).toBe(true);
        for (const leg of strip.legs) {
          expect(leg.quantity).toBeGreaterThan(0); // IL is concave: every slope change is a long option
          expect(leg.type).toBe(leg.strike < forward ? 'put' : leg.strike > forward ? 'call' : leg.type);
        }
        expect(strip.maxError).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 60 },
    );
  });

  it('a range whose upper bound is the entry price to an ulp gives no negative noise legs (found by fast-check)', () => {
    const position: LpPosition = {
      model: 'v3',
      liquidity: 79.10709945286754,
      lower: 360.3044088830883,
      upper: 1000.0000000000002,
      entryPrice: 1000,
    };
    const strikes = [300, 999.9999868707852, 1379.0594557339768];
    const strip = replicationStrip({ position, strikes, expiryYears: 0.1, vol: 0.8, forward: 1013.7 });
    for (const leg of strip.legs) expect(leg.quantity).toBeGreaterThan(0);
    for (const k of strikes) expect(Math.abs(residual(position, strip, k))).toBeLessThan(1e-9 * 1000);
  });

  it('near-duplicate strikes straddling a range bound give no negative noise legs (found by fast-check)', () => {
    const position: LpPosition = {
      model: 'v3',
      liquidity: 2337.9164943675873,
      lower: 300.00000016209265,
      upper: 315.00000017019727,
      entryPrice: 1000,
    };
    const strip = replicationStrip({
      position,
      strikes: [300, 300.0000003125663],
      expiryYears: 0.1,
      vol: 0.8,
      forward: 1013.7,
    });
    for (const leg of strip.legs) expect(leg.quantity).toBeGreaterThan(0);
  });

  it('strikes all below a narrow range (a linear stretch) give no options at all (found by fast-check)', () => {
    const position: LpPosition = {
      model: 'v3',
      liquidity: 1305.9418607344774,
      lower: 987.1366845960304,
      upper: 1036.4935188258319,
      entryPrice: 1000,
    };
    const strip = replicationStrip({
      position,
      strikes: [300, 541.6383655560501],
      expiryYears: 0.1,
      vol: 0.8,
      forward: 1013.7,
    });
    expect(strip.legs).toEqual([]);
    expect(
      Math.abs(strip.forward - -(lpState(position, 300).delta - lpEntryAmounts(position).amountBase)),
    ).toBeLessThan(1e-12);
  });

  it('hedging the value instead of IL keeps the legs and shifts the forward by -x0 and the cash by -V(F)', () => {
    fc.assert(
      fc.property(positionArb, strikesArb, (position, strikes) => {
        const il = replicationStrip({ position, strikes, expiryYears: 0.1, vol: 0.8 });
        const value = replicationStrip({ position, strikes, expiryYears: 0.1, vol: 0.8, target: 'value' });
        expect(value.legs.map((l) => [l.type, l.strike])).toEqual(il.legs.map((l) => [l.type, l.strike]));
        value.legs.forEach((l, i) => expect(Math.abs(l.quantity - il.legs[i]!.quantity)).toBeLessThan(1e-9));
        const x0 = lpEntryAmounts(position).amountBase;
        expect(Math.abs(value.forward - (il.forward - x0))).toBeLessThan(1e-9);
        expect(Math.abs(value.cash - (il.cash - lpState(position, 1000).value))).toBeLessThan(1e-8);
      }),
      { numRuns: 30 },
    );
  });
});

describe('vols, horizon and tails', () => {
  it('a vol per strike prices each leg at its own vol', () => {
    const vols = [0.8, 0.7, 0.6, 0.65, 0.75];
    const strip = replicationStrip({ ...BATCH, vol: undefined, vols });
    for (const leg of strip.legs) {
      const vol = vols[BATCH.strikes.indexOf(leg.strike)]!;
      expect(leg.vol).toBe(vol);
      expect(leg.unitPrice).toBe(black76Price(leg.type, 2000, leg.strike, 0.0822, vol, 0));
    }
    expect(strip.premium).toBeGreaterThan(replicationStrip(BATCH).premium);
  });

  it('reports the expiry mismatch against the LP horizon (v2: V0 (e^{-s^2 Te/8} - e^{-s^2 Th/8}))', () => {
    const v2 = v2FromDeposit({ price: 2000, depositValue: 10000 });
    const strikes = [1000, 1500, 2000, 2500, 3000];
    const strip = replicationStrip({ position: v2, strikes, expiryYears: 30 / 365, vol: 0.6, horizonYears: 90 / 365 });
    const cost = (t: number) => -10000 * Math.expm1((-0.36 * t) / 8);
    const mismatch = strip.expiryMismatch!;
    expect(mismatch.horizonYears).toBe(90 / 365);
    expect(mismatch.continuousValueAtExpiry).toBeCloseTo(cost(30 / 365), 8);
    expect(mismatch.continuousValueAtHorizon).toBeCloseTo(cost(90 / 365), 8);
    expect(mismatch.difference).toBeCloseTo(cost(90 / 365) - cost(30 / 365), 8);
    expect(replicationStrip({ position: v2, strikes, expiryYears: 0.1, vol: 0.6 }).expiryMismatch).toBeNull();
  });

  it('a forward away from entry: cash and forward restate IL(F) so the hedge still pays -g', () => {
    const strip = replicationStrip({ ...BATCH, forward: 2100 });
    for (const k of BATCH.strikes) expect(Math.abs(residual(RANGE, strip, k))).toBeLessThan(1e-9);
    expect(strip.cash).toBeGreaterThan(0); // IL(2100) < 0 is paid back in cash
  });
});

describe('bad input gets a clear error', () => {
  const cases: [string, Partial<Parameters<typeof replicationStrip>[0]>, RegExp][] = [
    ['unsorted strikes', { strikes: [1600, 2000, 1800] }, /^strikes\[2\]: must be greater than strikes\[1\]/],
    ['duplicate strikes', { strikes: [1600, 2000, 2000] }, /^strikes\[2\]/],
    ['negative strike', { strikes: [-100, 2000] }, /^strikes\[0\]: must be a finite number greater than 0/],
    ['zero strike', { strikes: [0, 2000] }, /^strikes\[0\]/],
    ['NaN strike', { strikes: [1600, NaN] }, /^strikes\[1\]/],
    ['empty strikes', { strikes: [] }, /^strikes: needs at least two strikes/],
    ['one strike', { strikes: [2000] }, /^strikes:/],
    ['no vol', { vol: undefined }, /^vol:/],
    ['vol and vols', { vols: [0.5, 0.5, 0.5, 0.5, 0.5] }, /^vols: give either/],
    ['vols of the wrong length', { vol: undefined, vols: [0.5] }, /^vols: must be an array with one vol per strike/],
    ['negative vol in vols', { vol: undefined, vols: [0.5, 0.5, -0.5, 0.5, 0.5] }, /^vols\[2\]/],
    ['expiry 0', { expiryYears: 0 }, /^expiryYears:/],
    ['negative horizon', { horizonYears: -1 }, /^horizonYears:/],
    ['bad target', { target: 'delta' as never }, /^target:/],
    [
      'inverted range',
      { position: { ...RANGE, lower: 2500, upper: 1600 } },
      /^position\.lower: must be less than upper/,
    ],
    ['unknown model', { position: { model: 'v4' } as never }, /^position\.model/],
  ];
  it.each(cases)('%s', (_name, override, message) => {
    const run = () => replicationStrip({ ...BATCH, ...override } as Parameters<typeof replicationStrip>[0]);
    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(message);
  });
});
