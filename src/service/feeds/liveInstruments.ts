/**
 * Which instruments a live feed subscribes to: the option tickers the desk's policies can use (their candidate
 * expiry window and moneyness band, with a margin so a moving forward does not push a usable strike out of the set
 * before the next instrument reload), the perpetual, and each chosen expiry's future. Not the whole listed chain:
 * Deribit lists about 900 BTC options and a subscription for each would spend the request budget on data the
 * optimiser filters out anyway (`hedging/candidates.ts` applies the same window and band).
 */
import type { Instrument, Venue } from '../../../adapters/index.js';
import type { HedgePolicy } from '../../../hedging/index.js';
import { msToDays } from '../../../hedging/index.js';

export interface LiveSelectionOptions {
  venue: Venue;
  /** Settle currency of the perp to hedge with (the underlying for inverse venues). */
  perpSettle?: string;
  nowMs: number;
  /** The policies in force on this market (the desk's and each position's own). */
  policies: readonly HedgePolicy[];
  /** Forward per expiry (ms -> quote per base) from the start-up chain; `reference` for expiries without one. */
  forwards: ReadonlyMap<number, number>;
  reference: number | null;
  /** Extra |ln K/F| beyond the policies' band (default 0.05: about 5% of spot, a day's large move). */
  moneynessMargin?: number;
  /** Extra days on each side of the policies' expiry window (default 1: an expiry crosses the edge during the day). */
  expiryMarginDays?: number;
}

export interface LiveSelection {
  options: Instrument[];
  perp: Instrument | null;
  futures: Instrument[];
  /** Every chosen instrument: options, then futures, then the perp. */
  all: Instrument[];
}

export function chooseLiveInstruments(listed: readonly Instrument[], o: LiveSelectionOptions): LiveSelection {
  const policies = o.policies.filter((p) => (p.candidates.venues as readonly string[]).includes(o.venue));
  const marginLog = o.moneynessMargin ?? 0.05;
  const marginDays = o.expiryMarginDays ?? 1;
  const minDays = Math.min(...policies.map((p) => p.candidates.minExpiryDays)) - marginDays;
  const maxDays = Math.max(...policies.map((p) => p.candidates.maxExpiryDays)) + marginDays;
  const band = Math.max(...policies.map((p) => p.candidates.maxAbsLogMoneyness)) + marginLog;
  const options =
    policies.length === 0
      ? []
      : listed.filter((i) => {
          if (i.kind !== 'option' || i.expiryMs === null || i.strike === null || i.expiryMs <= o.nowMs) return false;
          const days = msToDays(i.expiryMs - o.nowMs);
          if (days < minDays || days > maxDays) return false;
          const forward = o.forwards.get(i.expiryMs) ?? o.reference;
          // Without any price to centre the band on, every strike of the window is kept (still bounded by expiry).
          return forward === null || !(forward > 0) || Math.abs(Math.log(i.strike / forward)) <= band;
        });
  options.sort((a, b) => a.expiryMs! - b.expiryMs! || a.strike! - b.strike! || a.symbol.localeCompare(b.symbol));
  const expiries = new Set(options.map((i) => i.expiryMs));
  const futures = listed.filter((i) => i.kind === 'future' && i.expiryMs !== null && expiries.has(i.expiryMs));
  const perps = listed.filter((i) => i.kind === 'perp');
  const perp = perps.find((i) => o.perpSettle === undefined || i.settle === o.perpSettle) ?? perps[0] ?? null;
  return { options, perp, futures, all: [...options, ...futures, ...(perp ? [perp] : [])] };
}
