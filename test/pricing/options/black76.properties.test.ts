/**
 * Black-76 and BSM: every Greek against a central finite difference, put-call parity, no-arbitrage bounds and
 * monotonicity (fast-check), published reference values (Haug 2007), degenerate inputs and input validation.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  black76Greeks,
  black76GreeksBatch,
  black76Price,
  bsmGreeks,
  bsmPrice,
  type OptionGreeks,
  type OptionType,
} from '../../../pricing/black.js';
import { InvalidInputError } from '../../../pricing/errors.js';

const TYPES: OptionType[] = ['call', 'put'];

/** Central difference (f(x+h) - f(x-h)) / 2h. */
function central(f: (x: number) => number, x: number, h: number): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** |fd - exact| <= rel |exact| + abs: the FD truncation error is O(h^2) ~ 1e-8 relative with h ~ 1e-4. */
function expectClose(label: string, fd: number, value: number, rel: number, abs: number) {
  if (!(Math.abs(fd - value) <= rel * Math.abs(value) + abs)) {
    throw new Error(`${label}: analytic ${value} vs finite difference ${fd}`);
  }
}

describe('Greeks against central finite differences', () => {
  const cases: [OptionType, number, number, number, number, number][] = [];
  for (const type of TYPES)
    for (const m of [-2.5, -1, 0, 0.7, 2])
      for (const T of [7 / 365, 0.25, 2])
        for (const vol of [0.1, 0.6, 1.5])
          for (const r of [0, 0.04]) {
            const F = 3000;
            cases.push([type, F, F * Math.exp(-m * vol * Math.sqrt(T)), T, vol, r]);
          }

  test.each(['delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const)('%s', (greek) => {
    for (const [type, F, K, T, vol, r] of cases) {
      const g = black76Greeks(type, F, K, T, vol, r);
      const label = `${greek} ${type} F=${F} K=${K} T=${T} vol=${vol} r=${r}`;
      const price = (f: number, t: number, v: number, rr: number) => black76Price(type, f, K, t, v, rr);
      const greek1 = (f: number, v: number, k: keyof OptionGreeks) => black76Greeks(type, f, K, T, v, r)[k];
      // Steps relative to the scale of the problem: F moves by 1e-4 standard deviations.
      const hF = 1e-4 * F * vol * Math.sqrt(T);
      const hV = 1e-4 * vol;
      switch (greek) {
        case 'delta':
          expectClose(
            label,
            central((f) => price(f, T, vol, r), F, hF),
            g.delta,
            1e-6,
            1e-9,
          );
          break;
        case 'gamma':
          expectClose(
            label,
            central((f) => greek1(f, vol, 'delta'), F, hF),
            g.gamma,
            1e-6,
            1e-12 / F,
          );
          break;
        case 'vega':
          expectClose(
            label,
            central((v) => price(F, T, v, r), vol, hV),
            g.vega,
            1e-6,
            1e-9 * F,
          );
          break;
        case 'theta':
          // theta = dV/dt at fixed forward = -dV/dT.
          expectClose(label, -central((t) => price(F, t, vol, r), T, 1e-4 * T), g.theta, 1e-6, 1e-9 * F);
          break;
        case 'rho':
          expectClose(
            label,
            central((rr) => price(F, T, vol, rr), r, 1e-5),
            g.rho,
            1e-6,
            1e-9 * F,
          );
          break;
        case 'vanna':
          expectClose(
            label,
            central((v) => greek1(F, v, 'delta'), vol, hV),
            g.vanna,
            1e-6,
            1e-9,
          );
          expectClose(
            label + ' (as dVega/dF)',
            central((f) => greek1(f, vol, 'vega'), F, hF),
            g.vanna,
            1e-6,
            1e-9,
          );
          break;
        case 'volga':
          expectClose(
            label,
            central((v) => greek1(F, v, 'vega'), vol, hV),
            g.volga,
            1e-6,
            1e-9 * F,
          );
          break;
      }
    }
  });

  test('BSM Greeks against finite differences in spot, time (spot fixed), rate (carry fixed) and carry', () => {
    for (const type of TYPES)
      for (const [S, K, T, vol, r, b] of [
        [100, 90, 0.5, 0.25, 0.05, 0.02],
        [100, 120, 1.5, 0.6, 0.01, 0.04],
        [50, 50, 0.1, 1.2, -0.005, -0.03],
      ] as const) {
        const g = bsmGreeks(type, S, K, T, vol, r, b);
        const p = (s: number, t: number, v: number, rr: number, bb: number) => bsmPrice(type, s, K, t, v, rr, bb);
        const label = `BSM ${type} S=${S} K=${K}`;
        expect(g.price).toBe(p(S, T, vol, r, b));
        expectClose(
          label + ' delta',
          central((s) => p(s, T, vol, r, b), S, 1e-4 * S),
          g.delta,
          1e-6,
          1e-9,
        );
        expectClose(
          label + ' gamma',
          central((s) => bsmGreeks(type, s, K, T, vol, r, b).delta, S, 1e-4 * S),
          g.gamma,
          1e-6,
          1e-12,
        );
        expectClose(
          label + ' vega',
          central((v) => p(S, T, v, r, b), vol, 1e-4 * vol),
          g.vega,
          1e-6,
          1e-9,
        );
        expectClose(label + ' theta', -central((t) => p(S, t, vol, r, b), T, 1e-4 * T), g.theta, 1e-6, 1e-9);
        expectClose(
          label + ' rho',
          central((rr) => p(S, T, vol, rr, b), r, 1e-5),
          g.rho,
          1e-6,
          1e-9,
        );
        expectClose(
          label + ' carryRho',
          central((bb) => p(S, T, vol, r, bb), b, 1e-5),
          g.carryRho,
          1e-6,
          1e-9,
        );
        expectClose(
          label + ' vanna',
          central((v) => bsmGreeks(type, S, K, T, v, r, b).delta, vol, 1e-4 * vol),
          g.vanna,
          1e-6,
          1e-9,
        );
        expectClose(
          label + ' volga',
          central((v) => bsmGreeks(type, S, K, T, v, r, b).vega, vol, 1e-4 * vol),
          g.volga,
          1e-6,
          1e-9,
        );
      }
  });
});

describe('published reference values', () => {
  // E. G. Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed. (2007), section 1.1 examples.
  test('generalised BSM call S=60 K=65 T=0.25 r=b=8% vol=30% is 2.1334', () => {
    expect(bsmPrice('call', 60, 65, 0.25, 0.3, 0.08, 0.08)).toBeCloseTo(2.1334, 4);
  });
  test('generalised BSM put S=100 K=95 T=0.5 r=10% b=5% vol=20% is 2.4648', () => {
    expect(bsmPrice('put', 100, 95, 0.5, 0.2, 0.1, 0.05)).toBeCloseTo(2.4648, 4);
  });
  test('Black-76 F=K=19 T=0.75 r=10% vol=28%: call = put = 1.7011', () => {
    expect(black76Price('call', 19, 19, 0.75, 0.28, 0.1)).toBeCloseTo(1.7011, 4);
    expect(black76Price('put', 19, 19, 0.75, 0.28, 0.1)).toBeCloseTo(1.7011, 4);
  });
  test('futures option F=105 K=100 T=0.5 r=10% vol=36%: delta 0.5946 / -0.3566, gamma 0.0135', () => {
    const c = black76Greeks('call', 105, 100, 0.5, 0.36, 0.1);
    const p = black76Greeks('put', 105, 100, 0.5, 0.36, 0.1);
    expect(c.delta).toBeCloseTo(0.5946, 4);
    expect(p.delta).toBeCloseTo(-0.3566, 4);
    expect(c.gamma).toBeCloseTo(0.0135, 4);
    expect(p.gamma).toBe(c.gamma);
  });
});

describe('properties (fast-check)', () => {
  const F = fc.double({ min: 1e-2, max: 1e6, noNaN: true });
  const logK = fc.double({ min: -2, max: 2, noNaN: true });
  const T = fc.double({ min: 1 / 365 / 24, max: 5, noNaN: true });
  const vol = fc.double({ min: 0.01, max: 4, noNaN: true });
  const r = fc.double({ min: -0.02, max: 0.2, noNaN: true });

  test('put-call parity C - P = e^{-rT}(F - K)', () => {
    fc.assert(
      fc.property(F, logK, T, vol, r, (f, lk, t, v, rr) => {
        const k = f * Math.exp(lk);
        const c = black76Price('call', f, k, t, v, rr);
        const p = black76Price('put', f, k, t, v, rr);
        const df = Math.exp(-rr * t);
        return Math.abs(c - p - df * (f - k)) <= 1e-14 * (c + p + df * (f + k));
      }),
      { numRuns: 2000 },
    );
  });

  test('no-arbitrage bounds, monotone in vol and strike, Greeks finite with the right signs', () => {
    fc.assert(
      fc.property(F, logK, T, vol, r, fc.constantFrom<OptionType>('call', 'put'), (f, lk, t, v, rr, type) => {
        const k = f * Math.exp(lk);
        const df = Math.exp(-rr * t);
        const g = black76Greeks(type, f, k, t, v, rr);
        const w = type === 'call' ? 1 : -1;
        const intrinsic = df * Math.max(w * (f - k), 0);
        const upper = df * (type === 'call' ? f : k);
        const tol = 1e-14 * upper;
        if (!(g.price >= intrinsic - tol && g.price <= upper + tol)) return false;
        if (!(black76Price(type, f, k, t, v * 1.01, rr) >= g.price)) return false;
        if (!(black76Price(type, f, k * 1.01, t, v, rr) * w <= g.price * w + tol)) return false;
        const all = Object.values(g);
        if (!all.every((x) => Number.isFinite(x))) return false;
        return g.gamma >= 0 && g.vega >= 0 && w * g.delta >= 0 && w * g.delta <= df * (1 + 1e-15);
      }),
      { numRuns: 2000 },
    );
  });

  test('never NaN or throwing for any valid input, however extreme', () => {
    const any = fc.double({ min: 0, max: 1e300, noNaN: true });
    fc.assert(
      fc.property(
        any,
        any,
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        (f, k, t, v) => {
          for (const type of TYPES) {
            const g = black76Greeks(type, f, k, t, v, 0);
            if (Object.values(g).some((x) => Number.isNaN(x))) return false;
          }
          return true;
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('degenerate inputs give the limiting values', () => {
  test('expiryYears = 0: discounted intrinsic value and a 0/1 delta step (1/2 at the strike)', () => {
    const itm = black76Greeks('call', 110, 100, 0, 0.5, 0.05);
    expect(itm).toEqual({ price: 10, delta: 1, gamma: 0, vega: 0, theta: 0.5, rho: -0, vanna: 0, volga: 0 });
    const otm = black76Greeks('call', 90, 100, 0, 0.5);
    expect(otm.price).toBe(0);
    expect(otm.delta).toBe(0);
    expect(black76Greeks('put', 90, 100, 0, 0.5).delta).toBe(-1);
    expect(black76Greeks('call', 100, 100, 0, 0.5).delta).toBe(0.5);
    expect(black76Greeks('put', 100, 100, 0, 0.5).delta).toBe(-0.5);
  });
  test('vol = 0 with time left: discounted intrinsic, delta e^{-rT} or 0, theta = r V, rho = -T V', () => {
    const g = black76Greeks('put', 80, 100, 2, 0, 0.05);
    const df = Math.exp(-0.1);
    expect(g.price).toBeCloseTo(20 * df, 14);
    expect(g.delta).toBeCloseTo(-df, 15);
    expect(g.theta).toBeCloseTo(0.05 * 20 * df, 14);
    expect(g.rho).toBeCloseTo(-2 * 20 * df, 13);
    expect(black76Price('call', 80, 100, 2, 0, 0.05)).toBe(0);
  });
  test('the limits are continuous: tiny vol approaches the vol = 0 values', () => {
    for (const type of TYPES) {
      const lim = black76Greeks(type, 120, 100, 1, 0, 0.03);
      const near = black76Greeks(type, 120, 100, 1, 1e-6, 0.03);
      expect(near.price).toBeCloseTo(lim.price, 12);
      expect(near.delta).toBeCloseTo(lim.delta, 12);
    }
  });
  test('strike 0: the call is the discounted forward, the put is worthless', () => {
    expect(black76Price('call', 100, 0, 1, 0.5, 0.1)).toBeCloseTo(100 * Math.exp(-0.1), 12);
    expect(black76Price('put', 100, 0, 1, 0.5, 0.1)).toBe(0);
    expect(black76Price('put', 0, 100, 1, 0.5, 0)).toBe(100);
  });
});

describe('invalid inputs throw InvalidInputError naming the field', () => {
  const good = { forward: 100, strike: 100, expiryYears: 1, vol: 0.5, rate: 0 };
  const bad: [keyof typeof good, number][] = [
    ['forward', NaN],
    ['forward', -1],
    ['forward', Infinity],
    ['strike', -5],
    ['strike', NaN],
    ['expiryYears', -0.1],
    ['expiryYears', Infinity],
    ['vol', -0.2],
    ['vol', NaN],
    ['rate', NaN],
    ['rate', -Infinity],
  ];
  test.each(bad)('%s = %s', (field, value) => {
    const a = { ...good, [field]: value };
    for (const fn of [black76Price, black76Greeks]) {
      let err: unknown;
      try {
        fn('call', a.forward, a.strike, a.expiryYears, a.vol, a.rate);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
  });
  test('unknown option type', () => {
    expect(() => black76Price('straddle' as OptionType, 100, 100, 1, 0.5)).toThrow(InvalidInputError);
    expect(() => bsmGreeks('Call' as OptionType, 100, 100, 1, 0.5, 0, 0)).toThrow(/type/);
  });
  test('BSM names spot and carry', () => {
    expect(() => bsmPrice('call', -1, 100, 1, 0.5, 0, 0)).toThrow(/spot/);
    expect(() => bsmPrice('call', 100, 100, 1, 0.5, 0, NaN)).toThrow(/carry/);
  });
  test('the batch form names the field and index, and checks array lengths', () => {
    const mk = (n: number) => ({
      isCall: new Uint8Array(n).fill(1),
      forward: new Float64Array(n).fill(100),
      strike: new Float64Array(n).fill(100),
      expiryYears: new Float64Array(n).fill(1),
      vol: new Float64Array(n).fill(0.5),
    });
    const out = (n: number) => ({
      price: new Float64Array(n),
      delta: new Float64Array(n),
      gamma: new Float64Array(n),
      vega: new Float64Array(n),
      theta: new Float64Array(n),
    });
    const input = mk(4);
    input.vol[2] = -1;
    expect(() => black76GreeksBatch(input, out(4))).toThrow(/vol\[2\]/);
    const input2 = mk(4);
    input2.isCall[1] = 7;
    expect(() => black76GreeksBatch(input2, out(4))).toThrow(/isCall\[1\]/);
    expect(() => black76GreeksBatch(mk(4), out(3))).toThrow(/out.price/);
    const o = out(4);
    black76GreeksBatch({ ...mk(4), rate: 0.05 }, o, 2);
    expect(o.price[0]).toBe(black76Price('call', 100, 100, 1, 0.5, 0.05));
    expect(o.price[2]).toBe(0);
  });
});
