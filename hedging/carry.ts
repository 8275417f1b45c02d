/**
 * LP carry: the fee income a position is expected to earn, its loss-versus-rebalancing (LVR), and what a hedge costs
 * over the LP's horizon beside them. Pure: positions, prices, vols and times in, numbers out (no clock, no I/O).
 *
 * - Fees. A position states either a fee APR on its value while in range (`{ feeApr }`, a decimal: 0.25 = 25% a
 *   year) or a summary of its pool's history (`{ poolHistory }`) from which the in-range fee rate is estimated:
 *   - `volumeQuote` + `tvlQuote`: the pool's full-range fee APR `volume x feeTier / TVL / window`, scaled by the
 *     range's concentration (a v3 range holds `1/(1 - sqrt(P/Pb)/2 - sqrt(Pa/P)/2)` times the liquidity per unit of
 *     value of a full-range position, the same factor as its LVR multiplier, `pricing/lp/lvr.ts`);
 *   - `volumeQuote` + `activeLiquidity`: the position's share of the in-range liquidity, `L / L_active`, of the
 *     pool's fees `volume x feeTier` (the active liquidity is taken to include the position);
 *   - `feesPerLiquidityQuote`: fees the pool paid per unit of in-range liquidity over the window (what Uniswap's
 *     fee growth measures; `poolHistoryFromFeeGrowth` reads it from a pool's hourly history), times `L`.
 *   `inRangeFraction` (default 1) is the expected share of the time the price spends inside a v3 range; fees and
 *   LVR accrue only then, so both are scaled by it.
 * - LVR (Milionis, Moallemi, Roughgarden, Zhang 2022; domain-notes A.5): `sigma^2 P^2 |Gamma| / 2` per unit time at
 *   the current price, from `pricing/lp/lvr.ts`, held over the horizon (the instantaneous rate, not a path
 *   integral). The same Ito term of the hedges, `-sigma^2 P^2 Gamma / 2`, is their gamma income at that vol (negative
 *   LVR): a book's LVR is linear in its gamma, so LP + holdings = net.
 * - Theta and carry. An LP's value depends on the price alone, so its theta dV/dt is the fee income that accrues
 *   with time; its expected delta-hedged P&L rate (carry) is `theta - LVR = fees - LVR`. For options carry is
 *   `theta + sigma^2 F^2 Gamma / 2` (0 at their own implied vol under Black). Both are sums over rows, so the net
 *   book's carry is the LP's plus the holdings'; adding an LP's carry to the options' theta would count the LVR
 *   twice once the options carry the gamma.
 * - The hedge over the horizon: spread and fees now, plus the option legs' decay to the horizon (or their expiry)
 *   at an unchanged forward and vol, against the gamma income they earn meanwhile (Black-76 with r = 0 has
 *   `theta = -sigma_i^2 F^2 Gamma / 2`, so the gamma income at the market vol sigma is exactly the decay times
 *   `(sigma P / (sigma_i F))^2`). Hedged: `fees - hedge cost - LVR left` with `LVR left = LVR - gamma income`;
 *   unhedged: `fees - LVR`. The break-even fee APR is the APR at which the expected fees equal LVR (unhedged) or
 *   hedge cost + LVR left (hedged).
 */
import type { MarketSnapshot } from '../adapters/model.js';
import {
  black76Price,
  daysToYears,
  isInRange,
  lpStateUnchecked,
  lvrPerYear,
  MS_PER_DAY,
  msToYears,
  perYearToPerDay,
  v3LvrMultiplier,
  yearFractionAct365,
  yearsToDays,
  type LpPosition,
  type OptionType,
} from '../pricing/index.js';
import { InvalidHedgeInputError, MarketSanityError } from './errors.js';
import { MIN_USABLE_EXPIRY_MS } from './marketChecks.js';

/** Summary of a pool's history over a window, from which the position's in-range fee rate is estimated. */
export interface PoolHistory {
  /** Length of the history window, days. */
  windowDays: number;
  /** The pool's traded volume over the window, quote currency (needs the fee tier). */
  volumeQuote?: number;
  /** The pool's mean total value locked over the window, quote currency, read as full-range liquidity. */
  tvlQuote?: number;
  /** The pool's mean in-range liquidity over the window, human units `sqrt(base x quote)`. */
  activeLiquidity?: number;
  /** Fees paid per unit of human in-range liquidity over the window, quote currency (Uniswap fee growth). */
  feesPerLiquidityQuote?: number;
}

/** How a position's fees are known: a stated APR, or its pool's history. */
export type LpCarrySpec =
  | {
      /** Fee income as a fraction of the position's value a year while in range (decimal: 0.25 = 25%). */
      feeApr: number;
      /** Expected share of the time the price is inside a v3 range, [0, 1] (default 1). */
      inRangeFraction?: number;
    }
  | { poolHistory: PoolHistory; inRangeFraction?: number };

/** A position's carry inputs as the book holds them: the spec and the pool's fee tier (pips: 3000 = 0.30%). */
export interface LpCarryInput {
  spec: LpCarrySpec;
  feeTierPips: number | null;
}

/** Where an LP's carry comes from: an estimate of its fees minus its LVR, or its LVR alone (no fee estimate). */
export type CarryBasis = 'fees-minus-lvr' | 'lvr-only';

export interface LpCarry {
  basis: CarryBasis;
  /** Expected fee income, quote per year (0 without an estimate, or out of range). */
  feeIncomeQuotePerYear: number;
  /** LVR, quote per year, scaled by the in-range share. */
  lvrQuotePerYear: number;
  /** `feeIncomeQuotePerYear - lvrQuotePerYear`. */
  carryQuotePerYear: number;
  /** The in-range fee rate as a fraction of the position's value a year (before the in-range share), or null. */
  feeAprInRange: number | null;
  inRangeFraction: number;
  /** How the fee rate was estimated, in words (for a ticket's assumptions). */
  feeMethod: string | null;
}

function requireFiniteAtLeast(field: string, value: number | undefined, min: number, strict = false): number {
  if (value === undefined || !Number.isFinite(value) || (strict ? !(value > min) : !(value >= min)))
    throw new InvalidHedgeInputError(field, value, `must be a finite number ${strict ? 'above' : 'at least'} ${min}`);
  return value;
}

function inRangeNow(position: LpPosition, price: number): boolean {
  return position.model !== 'v3' || isInRange(price, position.lower, position.upper);
}

/** Liquidity per unit of value relative to a full-range position at `price` (1 for v2 and weighted pools). */
export function feeConcentration(position: LpPosition, price: number): number {
  return position.model === 'v3' ? v3LvrMultiplier(position.lower, position.upper, price) : 1;
}

/** The in-range share, checked: a fraction in [0, 1], and only a v3 range can leave its range. */
export function inRangeFractionOf(spec: LpCarrySpec, position: LpPosition, field = 'carry'): number {
  const f = spec.inRangeFraction;
  if (f === undefined) return 1;
  if (!(f >= 0 && f <= 1)) throw new InvalidHedgeInputError(`${field}.inRangeFraction`, f, 'must be in [0, 1]');
  if (position.model !== 'v3' && f !== 1)
    throw new InvalidHedgeInputError(
      `${field}.inRangeFraction`,
      f,
      `a ${position.model} position is always in range: omit it or give 1`,
    );
  return f;
}

/**
 * The in-range fee rate of a position at `price`, quote per year, and how it was found. `field` prefixes error
 * names (`positions.lp1.carry.poolHistory.volumeQuote`).
 */
export function inRangeFeeRate(
  position: LpPosition,
  price: number,
  input: LpCarryInput,
  field = 'carry',
): { quotePerYear: number; method: string } {
  const spec = input.spec;
  const value = lpStateUnchecked(position, price).value;
  if ('feeApr' in spec) {
    const apr = requireFiniteAtLeast(`${field}.feeApr`, spec.feeApr, 0);
    return { quotePerYear: apr * value, method: `fee APR ${apr} of position value while in range (stated)` };
  }
  const h = spec.poolHistory;
  const at = `${field}.poolHistory`;
  const windowYears = daysToYears(requireFiniteAtLeast(`${at}.windowDays`, h.windowDays, 0, true));
  const given = (['tvlQuote', 'activeLiquidity', 'feesPerLiquidityQuote'] as const).filter((k) => h[k] !== undefined);
  if (given.length !== 1)
    throw new InvalidHedgeInputError(
      at,
      given,
      'give exactly one of tvlQuote, activeLiquidity (each with volumeQuote) or feesPerLiquidityQuote',
    );
  const liquidityOf = (key: string) => {
    if (position.model === 'weighted')
      throw new InvalidHedgeInputError(
        `${at}.${key}`,
        h[key as keyof PoolHistory],
        'needs a v2 or v3 position (liquidity L): give tvlQuote',
      );
    return position.liquidity;
  };
  if (given[0] === 'feesPerLiquidityQuote') {
    const perL = requireFiniteAtLeast(`${at}.feesPerLiquidityQuote`, h.feesPerLiquidityQuote, 0);
    if (h.volumeQuote !== undefined)
      throw new InvalidHedgeInputError(
        `${at}.volumeQuote`,
        h.volumeQuote,
        'not used with feesPerLiquidityQuote: omit it',
      );
    return {
      quotePerYear: (perL * liquidityOf('feesPerLiquidityQuote')) / windowYears,
      method: `pool fees of ${perL} quote per unit of in-range liquidity over ${h.windowDays} d, times the position's L`,
    };
  }
  const volume = requireFiniteAtLeast(`${at}.volumeQuote`, h.volumeQuote, 0);
  if (input.feeTierPips === null)
    throw new InvalidHedgeInputError(
      `${field.replace(/carry$/, '')}feeTier`,
      null,
      'required with carry.poolHistory.volumeQuote (pips: 3000 = 0.30%)',
    );
  const feeRate = input.feeTierPips / 1e6;
  const poolFeesPerYear = (volume * feeRate) / windowYears;
  if (given[0] === 'tvlQuote') {
    const tvl = requireFiniteAtLeast(`${at}.tvlQuote`, h.tvlQuote, 0, true);
    const fullRangeApr = poolFeesPerYear / tvl;
    return {
      quotePerYear: fullRangeApr * feeConcentration(position, price) * value,
      method:
        `pool fee APR ${fullRangeApr.toPrecision(4)} (volume x fee tier ${feeRate} / TVL over ${h.windowDays} d, TVL ` +
        `read as full range) x the range's concentration ${feeConcentration(position, price).toPrecision(4)}`,
    };
  }
  const active = requireFiniteAtLeast(`${at}.activeLiquidity`, h.activeLiquidity, 0, true);
  const L = liquidityOf('activeLiquidity');
  if (L > active)
    throw new InvalidHedgeInputError(
      `${at}.activeLiquidity`,
      active,
      `is below the position's own liquidity ${L} (the active liquidity includes the position)`,
    );
  return {
    quotePerYear: (poolFeesPerYear * L) / active,
    method: `share L / active liquidity = ${(L / active).toPrecision(4)} of the pool's fees (volume x fee tier ${feeRate} over ${h.windowDays} d)`,
  };
}

/**
 * The carry of one LP at `price` and `vol` (decimal): fees (0 without an estimate, or out of a v3 range), LVR, and
 * their difference, quote per year, both scaled by the in-range share.
 */
export function lpCarry(
  position: LpPosition,
  price: number,
  vol: number,
  input: LpCarryInput | null | undefined,
  field = 'carry',
): LpCarry {
  const fraction = input ? inRangeFractionOf(input.spec, position, field) : 1;
  const lvr = lvrPerYear(position, price, vol) * fraction;
  if (!input)
    return {
      basis: 'lvr-only',
      feeIncomeQuotePerYear: 0,
      lvrQuotePerYear: lvr,
      carryQuotePerYear: -lvr,
      feeAprInRange: null,
      inRangeFraction: 1,
      feeMethod: null,
    };
  const rate = inRangeFeeRate(position, price, input, field);
  const fees = inRangeNow(position, price) ? rate.quotePerYear * fraction : 0;
  const value = lpStateUnchecked(position, price).value;
  return {
    basis: 'fees-minus-lvr',
    feeIncomeQuotePerYear: fees,
    lvrQuotePerYear: lvr,
    carryQuotePerYear: fees - lvr,
    feeAprInRange: value > 0 ? rate.quotePerYear / value : null,
    inRangeFraction: fraction,
    feeMethod: rate.method,
  };
}

/** Expected fee income of an LP a year (its theta dV/dt: fees accrue with time), 0 without an estimate. */
export function lpFeeIncomePerYear(
  position: LpPosition,
  price: number,
  input: LpCarryInput | null | undefined,
  field = 'carry',
): number {
  if (!input || !inRangeNow(position, price)) return 0;
  return inRangeFeeRate(position, price, input, field).quotePerYear * inRangeFractionOf(input.spec, position, field);
}

/**
 * The Ito term of a book's gamma at `vol` and `price`, `-sigma^2 P^2 Gamma / 2`, quote per year: the LVR of an LP
 * (`pricing/lp/lvr.ts` gives the same for one position), the gamma income of long options when negative.
 */
export function gammaLvrPerYear(gamma: number, price: number, vol: number): number {
  return -0.5 * vol * vol * price * price * gamma;
}

/** The carry split of a part of the book (LP, holdings, net), quote per day. */
export interface CarryView {
  /** Expected fee income (LP positions only). */
  feeIncomeQuotePerDay: number;
  /** `-sigma^2 P^2 Gamma / 2`: LVR of the LP; negative for long options (their gamma income). */
  lvrQuotePerDay: number;
  /** theta + sigma^2 P^2 Gamma / 2 = expected P&L per day with delta hedged at the vol (LP: fees - LVR). */
  carryQuotePerDay: number;
  /** LP and net: whether every LP position has a fee estimate, none has (`lvr-only`), or some have (`partial`). */
  thetaBasis: CarryBasis | 'partial';
}

/** A carry view from per-year figures. */
export function carryViewOf(
  feesPerYear: number,
  lvrPerYearQuote: number,
  thetaPerYear: number,
  basis: CarryView['thetaBasis'],
): CarryView {
  return {
    feeIncomeQuotePerDay: perYearToPerDay(feesPerYear),
    lvrQuotePerDay: perYearToPerDay(lvrPerYearQuote),
    carryQuotePerDay: perYearToPerDay(thetaPerYear - lvrPerYearQuote),
    thetaBasis: basis,
  };
}

/** The break-even fee APR: the in-range APR on `valueQuote` at which fees over the horizon equal `costQuote`. */
export function breakEvenFeeApr(
  costQuote: number,
  valueQuote: number,
  horizonYears: number,
  inRangeFraction = 1,
): number | null {
  const denominator = valueQuote * horizonYears * inRangeFraction;
  return denominator > 0 ? costQuote / denominator : null;
}

/**
 * ATM implied vol of the expiry that covers the horizon: the first usable expiry at or after `asOfMs + horizon`,
 * else the last one; the strike nearest the forward with a mark IV.
 */
export function horizonVol(
  market: MarketSnapshot,
  asOfMs: number,
  horizonDays: number,
): { vol: number; expiry: string } {
  const chains = market.chains.filter((c) => c.expiryMs - asOfMs >= MIN_USABLE_EXPIRY_MS);
  const horizonMs = asOfMs + horizonDays * MS_PER_DAY;
  const ordered = [
    ...chains.filter((c) => c.expiryMs >= horizonMs),
    ...chains.filter((c) => c.expiryMs < horizonMs).reverse(),
  ];
  for (const chain of ordered) {
    let best: { iv: number; distance: number } | null = null;
    for (const o of chain.options) {
      if (o.markIv === null || o.instrument.strike === null) continue;
      const distance = Math.abs(o.instrument.strike - chain.forward);
      if (!best || distance < best.distance) best = { iv: o.markIv, distance };
    }
    if (best) return { vol: best.iv, expiry: chain.expiryIso };
  }
  throw new MarketSanityError(`${market.venue} ${market.underlying}: no option with a mark IV to read the vol from`);
}

/** An option leg of a ticket, as the horizon carry needs it. */
export interface CarryOptionLeg {
  type: OptionType;
  strike: number;
  /** Years from now to expiry (ACT/365). */
  expiryYears: number;
  forward: number;
  /** The leg's implied vol (its mark IV), decimal. */
  iv: number;
  /** Signed base units (+ bought). */
  baseAmount: number;
}

/** Decay of a leg to `min(horizon, expiry)` at an unchanged forward and vol, and its gamma income at `vol`, quote. */
export function optionLegHorizon(
  leg: CarryOptionLeg,
  horizonYears: number,
  price: number,
  vol: number,
): { decayQuote: number; gammaIncomeQuote: number } {
  const heldYears = Math.min(horizonYears, leg.expiryYears);
  const now = black76Price(leg.type, leg.forward, leg.strike, leg.expiryYears, leg.iv);
  const later = black76Price(leg.type, leg.forward, leg.strike, leg.expiryYears - heldYears, leg.iv);
  const decayQuote = leg.baseAmount * (now - later);
  // r = 0: theta = -iv^2 F^2 Gamma / 2, so the integral of sigma^2 P^2 Gamma / 2 over the holding is exactly this.
  const gammaIncomeQuote = leg.iv > 0 ? decayQuote * ((vol * price) / (leg.iv * leg.forward)) ** 2 : 0;
  return { decayQuote, gammaIncomeQuote };
}

/** One LP of the ticket's book with its carry inputs. */
export interface CarryLp {
  id: string;
  position: LpPosition;
  carry: LpCarryInput | null;
}

export interface HorizonCarryInput {
  lps: readonly CarryLp[];
  /** Pool price, quote per base. */
  price: number;
  /** The vol LVR and the gamma income are measured at (decimal). */
  vol: number;
  horizonDays: number;
  legs: readonly CarryOptionLeg[];
  /** Spread and venue fees of crossing into the legs now, quote. */
  spreadAndFeesQuote: number;
  /** Gamma of the listed hedges already held (their gamma income lowers the LVR left). */
  heldGammaIncomeQuote?: number;
}

export interface HorizonCarry {
  horizonDays: number;
  vol: number;
  lpValueQuote: number;
  expectedFeesQuote: number;
  lvrQuote: number;
  hedgeCostQuote: number;
  spreadAndFeesQuote: number;
  optionDecayQuote: number;
  gammaIncomeQuote: number;
  lvrLeftQuote: number;
  netQuote: { unhedged: number; hedged: number };
  breakEvenFeeApr: { unhedged: number | null; hedged: number | null };
  thetaBasis: CarryView['thetaBasis'];
  assumptions: string[];
}

/** Expected fees, LVR and the hedge's cost over the horizon, side by side (see the module header). */
export function horizonCarry(input: HorizonCarryInput): HorizonCarry {
  const { price, vol, horizonDays } = input;
  const horizonYears = daysToYears(requireFiniteAtLeast('horizonDays', horizonDays, 0, true));
  let fees = 0;
  let lvr = 0;
  let value = 0;
  let withFees = 0;
  // Weighted by value, so the break-even APR on the book's value keeps each position's in-range share.
  let fractionValue = 0;
  const assumptions: string[] = [];
  for (const lp of input.lps) {
    const c = lpCarry(lp.position, price, vol, lp.carry, `positions.${lp.id}.carry`);
    const v = lpStateUnchecked(lp.position, price).value;
    fees += c.feeIncomeQuotePerYear * horizonYears;
    lvr += c.lvrQuotePerYear * horizonYears;
    value += v;
    fractionValue += v * c.inRangeFraction;
    if (c.basis === 'fees-minus-lvr') withFees++;
    assumptions.push(
      c.feeMethod
        ? `${lp.id}: fees from ${c.feeMethod}${c.inRangeFraction < 1 ? `, in range ${c.inRangeFraction} of the time` : ''}`
        : `${lp.id}: no fee estimate (give carry.feeApr or carry.poolHistory): fees counted as 0`,
    );
  }
  let decay = 0;
  let gammaIncome = input.heldGammaIncomeQuote ?? 0;
  for (const leg of input.legs) {
    const h = optionLegHorizon(leg, horizonYears, price, vol);
    decay += h.decayQuote;
    gammaIncome += h.gammaIncomeQuote;
  }
  const hedgeCost = input.spreadAndFeesQuote + decay;
  const lvrLeft = lvr - gammaIncome;
  const fraction = value > 0 ? fractionValue / value : 1;
  assumptions.push(
    `horizon ${horizonDays} d; LVR sigma^2 P^2 |Gamma| / 2 at the current price ${price} and vol ${vol} (held over the horizon, not a path integral)`,
    'option legs decay at an unchanged forward and implied vol to the horizon or their expiry; no rolls costed; r = 0',
    "the legs' gamma income at the same vol offsets LVR while they live (Black-76: theta = -iv^2 F^2 Gamma / 2)",
  );
  return {
    horizonDays,
    vol,
    lpValueQuote: value,
    expectedFeesQuote: fees,
    lvrQuote: lvr,
    hedgeCostQuote: hedgeCost,
    spreadAndFeesQuote: input.spreadAndFeesQuote,
    optionDecayQuote: decay,
    gammaIncomeQuote: gammaIncome,
    lvrLeftQuote: lvrLeft,
    netQuote: { unhedged: fees - lvr, hedged: fees - hedgeCost - lvrLeft },
    breakEvenFeeApr: {
      unhedged: breakEvenFeeApr(lvr, value, horizonYears, fraction),
      hedged: breakEvenFeeApr(hedgeCost + lvrLeft, value, horizonYears, fraction),
    },
    thetaBasis: withFees === input.lps.length ? 'fees-minus-lvr' : withFees === 0 ? 'lvr-only' : 'partial',
    assumptions,
  };
}

/** One row of a Uniswap v3 pool's history (floats as the subgraph exports them). */
export interface FeeGrowthRow {
  timeMs: number;
  /** Pool price at the row, quote per base (human units). */
  price: number;
  /** The pool's in-range liquidity, raw uint128 as a float. */
  liquidityRaw: number;
  feeGrowthGlobal0X128: number;
  feeGrowthGlobal1X128: number;
}

/**
 * A pool history summary from fee growth: fees per unit of human in-range liquidity over the rows
 * (`d(feeGrowthGlobal)/2^128` of each token per unit of raw liquidity, the base token valued at each step's end
 * price; raw L = human L x 10^((d0 + d1)/2)) and the time-weighted in-range liquidity in human units.
 */
export function poolHistoryFromFeeGrowth(
  rows: readonly FeeGrowthRow[],
  orientation: { decimals0: number; decimals1: number; baseToken: 'token0' | 'token1' },
): Required<Pick<PoolHistory, 'windowDays' | 'feesPerLiquidityQuote' | 'activeLiquidity'>> {
  if (rows.length < 2) throw new InvalidHedgeInputError('poolHistory.rows', rows.length, 'needs at least two rows');
  const { decimals0, decimals1 } = orientation;
  const rawPerHuman = Math.pow(10, (decimals0 + decimals1) / 2);
  const q128 = 2 ** 128;
  let perL = 0;
  let liquidityYears = 0;
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    if (!(b.timeMs > a.timeMs))
      throw new InvalidHedgeInputError('poolHistory.rows', b.timeMs, `times must increase (row ${i})`);
    const d0 = ((b.feeGrowthGlobal0X128 - a.feeGrowthGlobal0X128) * rawPerHuman) / q128 / Math.pow(10, decimals0);
    const d1 = ((b.feeGrowthGlobal1X128 - a.feeGrowthGlobal1X128) * rawPerHuman) / q128 / Math.pow(10, decimals1);
    perL += orientation.baseToken === 'token1' ? d0 + d1 * b.price : d0 * b.price + d1;
    liquidityYears += (a.liquidityRaw / rawPerHuman) * msToYears(b.timeMs - a.timeMs);
  }
  const years = yearFractionAct365(rows[0]!.timeMs, rows[rows.length - 1]!.timeMs);
  return { windowDays: yearsToDays(years), feesPerLiquidityQuote: perL, activeLiquidity: liquidityYears / years };
}
