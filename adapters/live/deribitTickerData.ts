/**
 * A normalised quote as Deribit's `ticker.<instrument>.100ms` notification data: what a loopback venue
 * (`loopbackVenue.ts`) sends for the tests and the live-path benchmark. The venue's field names and units: coin
 * premiums for inverse options, IVs in percent, one index on every instrument of a time, as the venue sends it.
 */
import type { Quote } from '../model.js';

function positiveOr0(v: number | null | undefined): number {
  return v !== null && v !== undefined && v > 0 ? v : 0;
}

/** The Deribit ticker notification data of one quote (the venue's field names and units: coin premiums, IV %). */
export function tickerData(
  q: Quote,
  timestampMs: number,
  index: number | null,
): { instrument_name: string } & Record<string, unknown> {
  const common = {
    instrument_name: q.instrument.venueId,
    timestamp: Math.round(timestampMs),
    state: 'open',
    stats: { volume: null, price_change: null, low: null, high: null },
    // One index on every instrument of a round, as the venue sends it.
    index_price: index,
    estimated_delivery_price: index,
  };
  if (q.kind === 'option') {
    return {
      ...common,
      underlying_price: q.forward,
      underlying_index: 'index_price',
      mark_price: q.markSettle,
      mark_iv: q.markIv === null ? null : q.markIv * 100,
      bid_iv: q.bidIv === null ? 0 : q.bidIv * 100,
      ask_iv: q.askIv === null ? 0 : q.askIv * 100,
      best_bid_price: positiveOr0(q.bidSettle),
      best_bid_amount: q.bidSettle ? 1 : 0,
      best_ask_price: positiveOr0(q.askSettle),
      best_ask_amount: q.askSettle ? 1 : 0,
      open_interest: q.openInterestContracts ?? 0,
      interest_rate: 0,
      last_price: null,
      settlement_price: q.markSettle,
      min_price: 0.0001,
      max_price: 1,
    };
  }
  const mark = q.mark ?? q.index ?? 0;
  return {
    ...common,
    mark_price: mark,
    best_bid_price: positiveOr0(q.bid),
    best_bid_amount: q.bid ? 10_000 : 0,
    best_ask_price: positiveOr0(q.ask),
    best_ask_amount: q.ask ? 10_000 : 0,
    open_interest: 1_000_000,
    last_price: mark,
    settlement_price: mark,
    min_price: mark * 0.985,
    max_price: mark * 1.015,
    ...(q.kind === 'perp' ? { funding_8h: q.fundingRate ?? 0, current_funding: 0, interest_value: 0 } : {}),
  };
}
