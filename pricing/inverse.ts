/**
 * Coin-settled (inverse) options, Deribit BTC/ETH and OKX style: the premium is quoted and paid in the base coin,
 * the payoff is settled in the coin, and USD value = coin value * F with F the forward of the option's own expiry
 * (Deribit's `underlying_price`), not the index (docs/CONVENTIONS.md, "Options").
 */
import { InvalidInputError, requireFinite, requireNonNegative, requirePositive } from './errors.js';
import { black76Greeks, black76Price, optionSign, type OptionGreeks, type OptionType } from './black.js';

/** Quote-currency (USD) value of a coin amount at the forward: priceCoin * forward. */
export function coinToQuote(priceCoin: number, forward: number): number {
  requireFinite('priceCoin', priceCoin);
  requirePositive('forward', forward);
  return priceCoin * forward;
}

/** Coin value of a quote-currency (USD) amount at the forward: priceQuote / forward. */
export function quoteToCoin(priceQuote: number, forward: number): number {
  requireFinite('priceQuote', priceQuote);
  requirePositive('forward', forward);
  return priceQuote / forward;
}

/**
 * Premium-adjusted delta of a coin-settled option, in coin per option (Deribit's "delta total"): the Black delta
 * dV_USD/dF minus the coin premium, because the premium is itself held in the coin and moves with it. The delta
 * that makes a coin-margined book USD-flat. Example (docs/CONVENTIONS.md, V12): delta 0.50, premium 0.10 BTC -> 0.40.
 */
export function premiumAdjustedDelta(delta: number, priceCoin: number): number {
  requireFinite('delta', delta);
  requireFinite('priceCoin', priceCoin);
  return delta - priceCoin;
}

/**
 * Coin payoff at expiry of one coin-settled option per coin of notional: max(w (S - K), 0) / S, with S the
 * settlement (delivery) price in USD per coin. V10 (docs/CONVENTIONS.md): a call K = 100000 settling at 125000 pays 0.2 BTC.
 */
export function inversePayoffCoin(type: OptionType, strike: number, settlementPrice: number): number {
  const w = optionSign(type);
  requireNonNegative('strike', strike);
  requirePositive('settlementPrice', settlementPrice);
  const intrinsic = w * (settlementPrice - strike);
  return intrinsic > 0 ? intrinsic / settlementPrice : 0;
}

/**
 * Coin profit of buying `quantity` coin-settled options (quantity < 0 for selling) at `premiumCoin` each and holding
 * them to settlement at `settlementPrice`. V10: bought for 0.05 BTC, pays 0.2 BTC, profit 0.15 BTC.
 */
export function inverseProfitCoin(
  type: OptionType,
  strike: number,
  settlementPrice: number,
  premiumCoin: number,
  quantity = 1,
): number {
  requireNonNegative('premiumCoin', premiumCoin);
  requireFinite('quantity', quantity);
  return quantity * (inversePayoffCoin(type, strike, settlementPrice) - premiumCoin);
}

/**
 * Black-76 value of a coin-settled option in coin: the USD Black-76 value divided by the forward (Deribit's mark
 * price in BTC). `rate` discounts the USD value as in `black76Price` (Deribit marks with r = 0).
 */
export function black76PriceCoin(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate = 0,
): number {
  if (!(forward > 0)) throw new InvalidInputError('forward', forward, 'must be a finite number greater than 0');
  return black76Price(type, forward, strike, expiryYears, vol, rate) / forward;
}

/** Black-76 Greeks (USD, docs/CONVENTIONS.md units) plus the coin price and the premium-adjusted ("total") delta. */
export interface InverseOptionGreeks extends OptionGreeks {
  priceCoin: number;
  /** delta - priceCoin, coin per option. */
  deltaPremiumAdjusted: number;
}

export function inverseOptionGreeks(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate = 0,
): InverseOptionGreeks {
  if (!(forward > 0)) throw new InvalidInputError('forward', forward, 'must be a finite number greater than 0');
  const g = black76Greeks(type, forward, strike, expiryYears, vol, rate);
  const priceCoin = g.price / forward;
  return { ...g, priceCoin, deltaPremiumAdjusted: g.delta - priceCoin };
}
