/**
 * The synthetic option chain the lab's options policies trade: Deribit-like listing (expiries every Friday at
 * 08:00 UTC, strikes on a grid of about 2.5% of the price rounded to 1, 2, 2.5 or 5 x 10^k), linear (quote-settled)
 * options with 1 base unit per contract, priced with Black-76 on the path's price (zero rates, no basis: forward =
 * spot) at the path's vol. Spread model: bid and ask are Black-76 at vol -+ spreadVol/2 (a quote a fixed number of
 * vol points wide, as market makers quote). Fees: `optionFeeRate` of the underlying per base unit, capped at 12.5%
 * of the premium (Deribit's and OKX's schedule, as `hedging/candidates.ts` applies it).
 */
import type { Chain, Instrument, MarketSnapshot, OptionQuote } from '../adapters/model.js';
import { black76Price, type OptionType } from '../pricing/index.js';
import type { CostSettings } from './types.js';
import { MS_PER_DAY, MS_PER_YEAR } from '../pricing/time.js';

export const FEE_CAP = 0.125;

/** The first Friday 08:00 UTC expiry at or after `ms`. */
export function nextExpiryAtOrAfter(ms: number): number {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8);
  const dow = new Date(day).getUTCDay(); // 5 = Friday
  let expiry = day + ((5 - dow + 7) % 7) * MS_PER_DAY;
  if (expiry < ms) expiry += 7 * MS_PER_DAY;
  return expiry;
}

/** Expiries (Fridays 08:00 UTC) between `fromMs` and `toMs` inclusive. */
export function expiriesBetween(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let e = nextExpiryAtOrAfter(fromMs); e <= toMs; e += 7 * MS_PER_DAY) out.push(e);
  return out;
}

/** Strike spacing: about 2.5% of the price, rounded down to 1, 2, 2.5 or 5 x 10^k (ETH 2000 -> 50, BTC 60000 -> 1000). */
export function strikeStep(price: number): number {
  const raw = price * 0.025;
  const k = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / k;
  const nice = m >= 5 ? 5 : m >= 2.5 ? 2.5 : m >= 2 ? 2 : 1;
  return nice * k;
}

/** Grid strikes from `lo` to `hi` (the grid point at or below `lo` to the one at or above `hi`). */
export function gridStrikes(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.max(step, Math.floor(lo / step) * step);
  for (let k = first; k <= hi + step * 1e-9 || out.length === 0 || out[out.length - 1]! < hi; k += step) {
    out.push(Number(k.toFixed(10)));
    if (out.length > 10_000) break;
  }
  return out;
}

export interface OptionQuotePrices {
  mid: number;
  bid: number;
  ask: number;
  /** Fee per base unit, quote currency. */
  fee: number;
}

/** Mid, bid, ask and fee of one base unit (quote currency). */
export function quoteOption(
  type: OptionType,
  price: number,
  strike: number,
  years: number,
  vol: number,
  costs: CostSettings,
): OptionQuotePrices {
  const t = Math.max(0, years);
  const mid = black76Price(type, price, strike, t, vol);
  const half = costs.optionSpreadVol / 2;
  const bid = half > 0 ? black76Price(type, price, strike, t, Math.max(0, vol - half)) : mid;
  const ask = half > 0 ? black76Price(type, price, strike, t, vol + half) : mid;
  const fee = Math.min(costs.optionFeeRate * price, FEE_CAP * ask);
  return { mid, bid, ask, fee };
}

function instrument(type: OptionType, strike: number, expiryMs: number, costs: CostSettings): Instrument {
  const iso = new Date(expiryMs).toISOString();
  const id = `SIM-${iso.slice(0, 10)}-${strike}-${type === 'call' ? 'C' : 'P'}`;
  return {
    venue: 'deribit',
    symbol: id,
    venueId: id,
    base: 'BASE',
    quote: 'USD',
    settle: 'USD',
    kind: 'option',
    optionType: type,
    strike,
    expiryMs,
    expiryIso: iso,
    inverse: false,
    linear: true,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: costs.optionLotBase,
    amountStep: costs.optionLotBase,
    priceTick: 1e-8,
    priceTickSteps: [],
    priceCurrency: 'USD',
    venueAmountPerContract: 1,
    takerFee: costs.optionFeeRate,
    makerFee: costs.optionFeeRate,
    active: true,
  };
}

export interface ChainSettings {
  minExpiryDays: number;
  maxExpiryDays: number;
  maxAbsLogMoneyness: number;
}

/**
 * A `MarketSnapshot` of the synthetic chain at `asOfMs` (for `hedging`'s `selectCandidates`): expiries within the
 * window, strikes on the grid within the log-moneyness limit, all usable for hedging, no perp (the lab adds its own).
 */
export function syntheticSnapshot(
  asOfMs: number,
  price: number,
  vol: number,
  costs: CostSettings,
  settings: ChainSettings,
): MarketSnapshot {
  const step = strikeStep(price);
  const lo = price * Math.exp(-settings.maxAbsLogMoneyness);
  const hi = price * Math.exp(settings.maxAbsLogMoneyness);
  const strikes = gridStrikes(lo, hi, step).filter((k) => Math.abs(Math.log(k / price)) <= settings.maxAbsLogMoneyness);
  const usable = new Set<string>();
  const chains: Chain[] = [];
  const expiries = expiriesBetween(
    asOfMs + settings.minExpiryDays * MS_PER_DAY,
    asOfMs + settings.maxExpiryDays * MS_PER_DAY,
  );
  for (const expiryMs of expiries) {
    const years = (expiryMs - asOfMs) / MS_PER_YEAR;
    const options: OptionQuote[] = [];
    for (const strike of strikes) {
      for (const type of ['call', 'put'] as const) {
        const q = quoteOption(type, price, strike, years, vol, costs);
        const inst = instrument(type, strike, expiryMs, costs);
        usable.add(inst.symbol);
        options.push({
          kind: 'option',
          instrument: inst,
          bidSettle: q.bid,
          askSettle: q.ask,
          markSettle: q.mid,
          bidQuote: q.bid,
          askQuote: q.ask,
          markQuote: q.mid,
          bidSizeContracts: null,
          askSizeContracts: null,
          markIv: vol,
          bidIv: null,
          askIv: null,
          venueGreeks: null,
          forward: price,
          index: price,
          openInterestContracts: null,
          timestampMs: asOfMs,
        });
      }
    }
    chains.push({
      venue: 'deribit',
      underlying: 'BASE',
      expiryMs,
      expiryIso: new Date(expiryMs).toISOString(),
      forward: price,
      forwardMethod: 'future',
      forwardDetail: 'lab: synthetic chain, forward = path price (zero rates)',
      parityForward: price,
      options,
    });
  }
  return {
    venue: 'deribit',
    underlying: 'BASE',
    source: { kind: 'replay', label: 'lab: synthetic Black-76 chain', dataTimeMs: asOfMs },
    chains,
    perp: null,
    futures: [],
    index: price,
    issues: [],
    usableForHedging: usable,
  };
}
