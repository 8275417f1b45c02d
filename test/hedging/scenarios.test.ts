import { describe, expect, it } from 'vitest';
import { black76Price } from '../../pricing/black.js';
import { scenarioPnl, type ScenarioHolding } from '../../hedging/scenarios.js';

const asOf = Date.parse('2026-05-26T08:00:00Z');
const expiry = asOf + 30 * 86_400_000;

describe('scenario P&L', () => {
  it('a v2 LP revalued exactly: 2 L sqrt(P) (CONVENTIONS), zero at no move, negative gamma P&L when hedged by delta', () => {
    const L = 1000;
    const P = 2000;
    const lp: ScenarioHolding = { kind: 'lp', position: { model: 'v2', liquidity: L, entryPrice: P } };
    const delta = L / Math.sqrt(P);
    const report = scenarioPnl([lp], [{ kind: 'linear', baseAmount: -delta }], P, asOf, {
      spotMoves: [-0.2, 0, 0.2],
      volShifts: [0],
      horizons: [{ label: 'now', offsetMs: 0 }],
    });
    for (const row of report.rows) {
      const expected = 2 * L * Math.sqrt(P * (1 + row.spotMove)) - 2 * L * Math.sqrt(P);
      expect(row.pnlBefore).toBeCloseTo(expected, 8);
      expect(row.pnlAfter).toBeCloseTo(expected - delta * P * row.spotMove, 8);
      if (row.spotMove !== 0) expect(row.pnlAfter).toBeLessThan(0);
      else expect(row.pnlAfter).toBe(0);
    }
    expect(report.worstAfter).toBeLessThan(0);
  });

  it('options: Black-76 on the moved forward, shifted vol and remaining time; intrinsic past expiry', () => {
    const option: ScenarioHolding = {
      kind: 'option',
      type: 'put',
      strike: 70_000,
      expiryMs: expiry,
      forward: 75_000,
      vol: 0.4,
      baseAmount: 2,
      premiumCoin: 0,
    };
    const report = scenarioPnl([], [option], 75_000, asOf, {
      spotMoves: [-0.1],
      volShifts: [0.1],
      horizons: [
        { label: '+1d', offsetMs: 86_400_000 },
        { label: 'after expiry', offsetMs: 31 * 86_400_000 },
      ],
    });
    const now = black76Price('put', 75_000, 70_000, 30 / 365, 0.4);
    const day = black76Price('put', 67_500, 70_000, 29 / 365, 0.5);
    expect(report.rows[0]!.pnlAfter).toBeCloseTo(2 * (day - now), 6);
    expect(report.rows[1]!.pnlAfter).toBeCloseTo(2 * (2_500 - now), 6);
    expect(report.rows[0]!.pnlBefore).toBe(0);
  });

  it('a coin-settled option carries its coin premium: P&L dC - c0 dF', () => {
    const c = black76Price('call', 75_000, 80_000, 30 / 365, 0.4);
    const option: ScenarioHolding = {
      kind: 'option',
      type: 'call',
      strike: 80_000,
      expiryMs: expiry,
      forward: 75_000,
      vol: 0.4,
      baseAmount: 1,
      premiumCoin: c / 75_000,
    };
    const report = scenarioPnl([], [option], 75_000, asOf, {
      spotMoves: [0.05],
      volShifts: [0],
      horizons: [{ label: 'now', offsetMs: 0 }],
    });
    const moved = black76Price('call', 78_750, 80_000, 30 / 365, 0.4);
    expect(report.rows[0]!.pnlAfter).toBeCloseTo(moved - c - (c / 75_000) * 3_750, 6);
  });

  it('rejects a move of -100% or worse, naming it', () => {
    expect(() =>
      scenarioPnl([], [], 1, asOf, { spotMoves: [-1], volShifts: [0], horizons: [{ label: 'now', offsetMs: 0 }] }),
    ).toThrow(/scenarios\.spotMoves\[0\]/);
  });
});
