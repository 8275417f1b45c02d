import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOnTickGrid, limitOnGrid, roundToStep, tickAt } from '../../hedging/ticks.js';

// Deribit BTC options: tick 0.0001 BTC, 0.0005 above 0.005 BTC (tick_size_steps in get_instruments).
const deribitOption = { priceTick: 0.0001, priceTickSteps: [{ abovePrice: 0.005, tick: 0.0005 }] };

describe('tick grids', () => {
  it('picks the tick by price', () => {
    expect(tickAt(deribitOption, 0.0042)).toBe(0.0001);
    expect(tickAt(deribitOption, 0.0151)).toBe(0.0005);
  });

  it('buy limits round up, sell limits round down, without binary noise', () => {
    expect(limitOnGrid(deribitOption, 0.01512, 'buy')).toBe(0.0155);
    expect(limitOnGrid(deribitOption, 0.01512, 'sell')).toBe(0.015);
    expect(limitOnGrid(deribitOption, 0.0155, 'buy')).toBe(0.0155);
    expect(limitOnGrid({ priceTick: 0.5, priceTickSteps: [] }, 75_795.2, 'sell')).toBe(75_795);
    expect(roundToStep(0.30000000000000004, 0.1, 'up')).toBe(0.3);
    // Just above the 0.005 threshold (coarse tick) a sell goes down to the threshold, which is on both grids.
    expect(limitOnGrid(deribitOption, 0.0050999999999, 'sell')).toBe(0.005);
    expect(limitOnGrid(deribitOption, 0.00491, 'buy')).toBe(0.005);
  });

  it('every limit lies on the grid and on the right side of the price', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.0001, max: 2, noNaN: true }), fc.boolean(), (price, buy) => {
        const limit = limitOnGrid(deribitOption, price, buy ? 'buy' : 'sell');
        expect(isOnTickGrid(deribitOption, limit)).toBe(true);
        if (buy) expect(limit).toBeGreaterThanOrEqual(price - 1e-12);
        else expect(limit).toBeLessThanOrEqual(price + 1e-12);
        expect(Math.abs(limit - price)).toBeLessThanOrEqual(0.0005 + 1e-12);
      }),
      { numRuns: 1000 },
    );
  });
});
