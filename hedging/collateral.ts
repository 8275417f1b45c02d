/**
 * Venue balances (collateral) as positions of the book, and how the ledger's fills move them.
 *
 * A balance is an amount of one currency on one venue: a coin (BTC, ETH: the collateral of coin-settled options,
 * perps and futures) or a USD stablecoin (USDC, USDT: that of linear ones, valued at par). Coin collateral is long
 * the coin: delta = amount in base units, no gamma; a stablecoin carries no delta. The balance stated in a config
 * or through the API is the amount when it was read (`entryTime`); the fills of the venue after then move it, each
 * in the currency it settles in (docs/CONVENTIONS.md "Inverse (coin-settled) options", P3):
 * - option premiums, paid (-) and received (+): `-contracts x contractSize x price` in the price currency (BTC for
 *   Deribit/OKX inverse options, USDC for linear ones). The cash flows of an option's buys and sells are its
 *   realised P&L, so the ledger's realised P&L of options is not counted again;
 * - realised P&L of perps and futures (the ledger's average-cost P&L: coin for inverse, the price currency for
 *   linear);
 * - fees: the ledger keeps them in USD (the gateway converts a coin fee at the trade's index); a coin-settled
 *   perp's or future's fee goes back to coin at the fill's own price (USD per coin), a coin-settled option's at the
 *   price the book is valued at, since its fill carries no USD rate.
 * Nothing else moves it here: funding, option expiry settlement, deposits and withdrawals are not in the ledger.
 *
 * The book (hedging/book.ts) values coin-settled options with the premium-adjusted delta `delta - c` (c the coin
 * mark per base unit) and inverse perps at `contracts x USD per contract / price`. Both leave out coin the position
 * holds as coin: the option's coin mark, the perp's unrealised coin P&L. A coin balance's delta adds that coin back
 * (`coinHeldBase`), so `holdings + collateral` is the USD delta of the venue account, `balance + sum(n x delta)`:
 * buying n options at their price c moves the balance by `-n c` and adds `n c` of coin held, so the collateral's
 * delta is unchanged and the book's delta moves by the premium-adjusted `n (delta - c)` the ticket priced.
 */
import type { Venue } from '../adapters/model.js';
import { InvalidHedgeInputError } from './errors.js';
import { foldFills, isInverseTerms, type ContractTerms, type Fill, type Holding } from './ledger.js';

/** USD stablecoins: valued at par, one quote unit each. */
export const USD_STABLECOINS: readonly string[] = ['USD', 'USDC', 'USDT'];

/**
 * Currencies each venue margins derivatives in, as the market model covers them: coin-settled (inverse) BTC and ETH
 * contracts and stablecoin-settled (linear) ones. From the fee and contract tables (adapters/venues/fees/*.ts, their
 * cited pages) and docs/CONVENTIONS.md "Options": Deribit BTC/ETH inverse, USDC linear options and perps, USDT
 * perps; OKX BTC-USD/ETH-USD inverse, USDT/USDC linear; Bybit inverse BTCUSD/ETHUSD, USDC/USDT options and perps;
 * Binance COIN-M BTC/ETH, USDT options and USDS-M perps (USDT, USDC).
 */
export const VENUE_COLLATERAL: Readonly<Record<Venue, readonly string[]>> = {
  deribit: ['BTC', 'ETH', 'USDC', 'USDT'],
  okx: ['BTC', 'ETH', 'USDT', 'USDC'],
  bybit: ['BTC', 'ETH', 'USDC', 'USDT'],
  binance: ['BTC', 'ETH', 'USDT', 'USDC'],
};

/** `coin`: the amount is base units of that coin; `quote`: a USD stablecoin, quote currency at par. */
export type CollateralUnit = 'coin' | 'quote';

export function collateralUnitOf(currency: string): CollateralUnit {
  return USD_STABLECOINS.includes(currency) ? 'quote' : 'coin';
}

/** What a balance spec must satisfy beyond its shape: the currency the venue takes, the amount named by its unit. */
export interface BalanceSpecFields {
  venue: Venue;
  currency: string;
  amountCoin?: number | undefined;
  amountQuote?: number | undefined;
  underlying?: string | undefined;
}

/** Problems of a balance spec, each with the field it is about (the zod schema reports them; so does the builder). */
export function balanceSpecIssues(b: BalanceSpecFields): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  const known = VENUE_COLLATERAL[b.venue];
  if (!known.includes(b.currency)) {
    issues.push({
      field: 'currency',
      message: `${b.venue} holds no ${b.currency} collateral (it takes ${known.join(', ')})`,
    });
    return issues;
  }
  const unit = collateralUnitOf(b.currency);
  const right = unit === 'coin' ? 'amountCoin' : 'amountQuote';
  const wrong = unit === 'coin' ? 'amountQuote' : 'amountCoin';
  if (b[wrong] !== undefined)
    issues.push({
      field: wrong,
      message: `${b.currency} is ${unit === 'coin' ? 'a coin: give its amount as amountCoin (base units)' : 'a USD stablecoin: give its amount as amountQuote'}`,
    });
  else if (b[right] === undefined)
    issues.push({
      field: right,
      message: `required for a ${b.currency} balance (${unit === 'coin' ? 'base units' : 'quote currency'})`,
    });
  if (unit === 'coin' && b.underlying !== undefined && b.underlying !== b.currency)
    issues.push({
      field: 'underlying',
      message: `a ${b.currency} balance is counted in the ${b.venue}/${b.currency} book: omit underlying or give ${b.currency}`,
    });
  return issues;
}

/** The market (`underlying`) a balance is counted in: a coin's own; a stablecoin's given one or the default. */
export function balanceUnderlying(b: BalanceSpecFields, defaultUnderlying: string): string {
  return collateralUnitOf(b.currency) === 'coin' ? b.currency : (b.underlying ?? defaultUnderlying);
}

/** How the fills moved a balance, each part signed as it changes the balance, in the balance's currency. */
export interface BalanceMoves {
  /** Option premiums paid (-) and received (+). */
  premiumInCurrency: number;
  /** Realised P&L of perps and futures settled in the currency. */
  pnlInCurrency: number;
  /** Fees charged (-) or rebated (+), converted where the fill gives the rate (see `feesQuoteToConvert`). */
  feesInCurrency: number;
  /** USD fees of coin-settled option fills, charged in the coin but converted only at a price given later. */
  feesQuoteToConvert: number;
  /** Fills that moved the balance. */
  fills: number;
}

/** Currency a holding's cash flows settle in: the coin for inverse perps/futures, else the price currency. */
export function settlementCurrencyOf(h: Pick<Holding, 'underlying' | keyof ContractTerms>): string {
  return isInverseTerms(h) ? h.underlying : h.priceCurrency;
}

function realisedOf(fills: readonly Fill[]): number {
  if (fills.length === 0) return 0;
  return foldFills(fills).reduce((sum, h) => sum + h.realisedPnl, 0);
}

/**
 * The moves of the `currency` balance on `venue` by the fills of `holdings` after `sinceMs` (all fills when null).
 * Fills up to `sinceMs` are already in the stated amount. A perp's realised P&L after then is the ledger's
 * average-cost P&L of all its fills less that of the fills up to then (the fold runs in time order, so its prefix is
 * the fold of the earlier fills).
 */
export function balanceMoves(
  balance: { venue: Venue; currency: string; sinceMs: number | null },
  holdings: readonly Holding[],
): BalanceMoves {
  const unit = collateralUnitOf(balance.currency);
  const moves: BalanceMoves = {
    premiumInCurrency: 0,
    pnlInCurrency: 0,
    feesInCurrency: 0,
    feesQuoteToConvert: 0,
    fills: 0,
  };
  const after = (f: Fill) => balance.sinceMs === null || f.atMs > balance.sinceMs;
  for (const h of holdings) {
    if (h.venue !== balance.venue || settlementCurrencyOf(h) !== balance.currency) continue;
    const moving = h.fills.filter(after);
    if (moving.length === 0) continue;
    moves.fills += moving.length;
    if (h.kind === 'option') {
      for (const f of moving) moves.premiumInCurrency -= f.contracts * (f.contractSize ?? 1) * f.price;
    } else {
      moves.pnlInCurrency += realisedOf(h.fills) - realisedOf(h.fills.filter((f) => !after(f)));
    }
    for (const f of moving) {
      if (unit === 'quote') moves.feesInCurrency -= f.feeQuote;
      else if (h.kind === 'option') moves.feesQuoteToConvert += f.feeQuote;
      // An inverse perp or future: the fill price is USD per coin.
      else moves.feesInCurrency -= f.feeQuote / f.price;
    }
  }
  return moves;
}

/** A balance as the book holds it (hedging/book.ts `BookPosition` of kind `balance`). */
export interface BalanceBookPosition {
  id: string;
  kind: 'balance';
  label?: string;
  venue: Venue;
  currency: string;
  /** The amount stated (config or API), in `currency`. */
  startingInCurrency: number;
  premiumInCurrency: number;
  pnlInCurrency: number;
  feesInCurrency: number;
}

/** The balance now: what was stated plus what the fills moved, in `currency`. */
export function currentBalanceOf(b: BalanceBookPosition): number {
  return b.startingInCurrency + b.premiumInCurrency + b.pnlInCurrency + b.feesInCurrency;
}

export type BalanceSpec = BalanceSpecFields & { label?: string | undefined; entryTime?: string | undefined };

/** The time a balance was stated at (fills up to then are in it), UTC ms, or null: before any fill. */
export function balanceSinceMs(spec: BalanceSpec): number | null {
  const issue = balanceSpecIssues(spec)[0];
  if (issue) throw new InvalidHedgeInputError(issue.field, spec[issue.field as keyof BalanceSpecFields], issue.message);
  const sinceMs = spec.entryTime === undefined ? null : Date.parse(spec.entryTime);
  if (sinceMs !== null && !Number.isFinite(sinceMs))
    throw new InvalidHedgeInputError('entryTime', spec.entryTime, 'must be an ISO-8601 time');
  return sinceMs;
}

/**
 * A balance spec as the book holds it, moved by the fills of `holdings`. `usdPerCoin` converts the coin fees of
 * coin-settled options (the book's price); without it such fees are refused rather than dropped.
 */
export function balanceBookPosition(
  id: string,
  spec: BalanceSpec,
  holdings: readonly Holding[] = [],
  usdPerCoin?: number,
): BalanceBookPosition {
  const sinceMs = balanceSinceMs(spec);
  return balanceBookPositionOf(
    id,
    spec,
    balanceMoves({ venue: spec.venue, currency: spec.currency, sinceMs }, holdings),
    usdPerCoin,
  );
}

/** `balanceBookPosition` from moves already derived (the service derives them once per change of the ledger). */
export function balanceBookPositionOf(
  id: string,
  spec: BalanceSpec,
  moves: BalanceMoves,
  usdPerCoin?: number,
): BalanceBookPosition {
  const starting = collateralUnitOf(spec.currency) === 'coin' ? spec.amountCoin! : spec.amountQuote!;
  let fees = moves.feesInCurrency;
  if (moves.feesQuoteToConvert !== 0) {
    if (usdPerCoin === undefined || !Number.isFinite(usdPerCoin) || !(usdPerCoin > 0))
      throw new InvalidHedgeInputError(
        'usdPerCoin',
        usdPerCoin,
        `needed to take the ${spec.currency} option fees (${moves.feesQuoteToConvert} USD) off the balance: a price above 0`,
      );
    fees -= moves.feesQuoteToConvert / usdPerCoin;
  }
  return {
    id,
    kind: 'balance',
    ...(spec.label ? { label: spec.label } : {}),
    venue: spec.venue,
    currency: spec.currency,
    startingInCurrency: starting,
    premiumInCurrency: moves.premiumInCurrency,
    pnlInCurrency: moves.pnlInCurrency,
    feesInCurrency: fees,
  };
}
