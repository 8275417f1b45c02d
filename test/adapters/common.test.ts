/**
 * The shared construction in venues/common.ts, on the cases the venue files rely on: funding intervals (stated,
 * the 8-hour default, none) and the quote-currency premiums of inverse and linear options.
 */
import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../adapters/model.js';
import { MS_PER_HOUR } from '../../pricing/time.js';
import { annualise, fundingOf, optionQuoteOf } from '../../adapters/venues/common.js';

describe('venue common construction', () => {
  it('funding: the stated interval, else 8 hours when a rate is sent, else none', () => {
    expect(fundingOf(0.0001, MS_PER_HOUR, 5)).toEqual({
      fundingRate: 0.0001,
      fundingIntervalMs: MS_PER_HOUR,
      nextFundingTimeMs: 5,
    });
    expect(fundingOf(0.0001, null, null).fundingIntervalMs).toBe(8 * MS_PER_HOUR);
    expect(fundingOf(null, null, null).fundingIntervalMs).toBeNull();
    expect(fundingOf(null, MS_PER_HOUR, null).fundingIntervalMs).toBe(MS_PER_HOUR);
    expect(annualise(0.0001, 8 * MS_PER_HOUR)).toBeCloseTo(0.0001 * 3 * 365, 12);
  });

  it('option quotes: coin premiums times the forward for inverse, unchanged for linear, null without a forward', () => {
    const top = { bid: 0.01, ask: 0.02, mark: 0.015, index: 60_000, timestampMs: 1 };
    const sizes = { bidSizeContracts: 1, askSizeContracts: 2, openInterestContracts: 3 };
    const option = { forward: 61_000, markIv: 0.5, bidIv: null, askIv: null, venueGreeks: null };
    const inverse = { inverse: true } as Instrument;
    const linear = { inverse: false } as Instrument;
    expect(optionQuoteOf(inverse, top, sizes, option)).toMatchObject({
      bidSettle: 0.01,
      bidQuote: 610,
      askQuote: 1220,
      markQuote: 915,
      forward: 61_000,
    });
    expect(optionQuoteOf(linear, top, sizes, { ...option, forward: null })).toMatchObject({
      bidQuote: 0.01,
      markQuote: 0.015,
    });
    expect(optionQuoteOf(inverse, top, sizes, { ...option, forward: null }).bidQuote).toBeNull();
  });
});
