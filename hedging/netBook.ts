/**
 * The net book: the LP positions and the hedges held, valued together on one market state, with the band on the
 * *net* delta and the perp (or future) contracts, in whole lots, that bring net delta back to the target given what
 * is held. The stream, the book and the tickets all read it from here: the ticket engine values the same positions
 * with the same `valueBook`, so a ticket's `before` is this `net`, and once its legs are held, its `after` is.
 *
 * Display units are named (docs/CONVENTIONS.md): `vegaPerUnitVol` is dV/dsigma per 1.00 of vol, `vegaPerVolPoint`
 * per 0.01; `thetaPerYear` is dV/dt per year of calendar time, `thetaPerDay` per day (ACT/365).
 *
 * Venue balances (collateral, hedging/collateral.ts) are a part of their own, `collateral`, beside `lp` and
 * `holdings`, and in `net`: coin collateral carries delta (the balance plus the coin the venue's coin-settled
 * positions hold, which their premium-adjusted deltas leave out), so `toTrade` hedges it; a stablecoin only value.
 * `balances` lists each with what moved it.
 *
 * An LP's theta is the fee income it accrues (0 without a fee estimate); `carry` sets it against the LP's LVR at the
 * market's ATM vol, `carryQuotePerDay = fees - LVR`, and the holdings' theta against their gamma income
 * (hedging/carry.ts), each part's figures summing to the net's.
 */
import type { MarketSnapshot } from '../adapters/model.js';
import { perYearToPerDay } from '../pricing/index.js';
import {
  valueBook,
  type ValuedRows,
  type BalanceDetail,
  type BookPosition,
  type BookValuation,
  type PositionGreeks,
} from './book.js';
import { carryViewOf, gammaLvrPerYear, lpCarry, type CarryView, type LpCarry } from './carry.js';
import { deltaHedgeInstrument, deltaHedgeSide, type DeltaHedgeInstrument } from './deltaHedge.js';
import { MarketSanityError } from './errors.js';
import { vegaPerUnitVolToPerVolPoint } from './limits.js';
import { atmVol } from './marketChecks.js';
import { deltaBandHalfWidth, deltaBandOf } from './policy.js';
import type { HedgePolicy } from './policySchema.js';
import { roundToStep } from './ticks.js';

export type { CarryBasis, CarryView, LpCarryInput, LpCarrySpec } from './carry.js';

/** Greeks of a part of the book (LP, holdings, net), quote currency, with the display units named. */
export interface GreeksView {
  valueQuote: number;
  /** dV/dP, base units. */
  delta: number;
  /** d2V/dP2, base units per quote unit. */
  gamma: number;
  vegaPerUnitVol: number;
  vegaPerVolPoint: number;
  thetaPerYear: number;
  thetaPerDay: number;
}

export interface BandView {
  status: 'inside' | 'breach';
  halfWidthBase: number;
  /** Net delta minus target, base units. */
  deviationBase: number;
  targetDeltaBase: number;
  explanation: string;
}

/** What to trade in the delta instrument now, in the venue's lots. */
export interface ToTrade {
  instrument: string;
  /** Signed contracts, whole lots (+ buy). */
  contracts: number;
  /** The exact figure before rounding to lots. */
  contractsUnrounded: number;
  /** `contracts` in base units at the instrument's mark. */
  baseAmount: number;
  /** The venue's order size step, contracts. */
  lotContracts: number;
  /** Net delta once `contracts` are traded, base units. */
  netDeltaAfterBase: number;
  /** Net gamma, which the delta instrument leaves as it is. */
  netGammaLeft: number;
}

/**
 * The book's carry at the market vol, quote per day (hedging/carry.ts): the LP's expected fee income and its LVR
 * (`sigma^2 P^2 |Gamma| / 2`), and per part `carry = theta - lvr` (LP: fees - LVR, its theta being the fee
 * income; holdings: theta + sigma^2 P^2 Gamma / 2). Every field of `net` is `lp + holdings`.
 */
export interface BookCarry {
  /** The vol LVR is measured at: the at-the-money vol of the market context (decimal). */
  vol: number;
  lp: CarryView;
  holdings: CarryView;
  net: CarryView;
}

/** One venue balance of the book: what was stated, what the fills moved (in `currency`), its delta and value. */
export interface CollateralBalanceView extends BalanceDetail {
  id: string;
  label: string | null;
  /** Its delta in the book, base units: the coin balance plus `coinHeldBase`; 0 for a stablecoin. */
  deltaBase: number;
  /** The balance at the book's price, quote currency (a stablecoin at par). */
  valueQuote: number;
}

export interface NetBook {
  asOfMs: number;
  /** Pool (spot) price the LP positions are valued at, quote per base. */
  price: number;
  lp: GreeksView;
  holdings: GreeksView;
  /** Venue balances: value and delta (no gamma, vega or theta). */
  collateral: GreeksView;
  /** `lp + holdings + collateral`. */
  net: GreeksView;
  balances: CollateralBalanceView[];
  carry: BookCarry;
  band: BandView;
  toTrade: ToTrade | null;
  /** Why `toTrade` is null although the policy names a delta instrument, else null. */
  toTradeUnavailable: string | null;
}

/** What a tick's market gives every book on it: computed once per tick, shared by all positions. */
export interface MarketContext {
  market: MarketSnapshot;
  asOfMs: number;
  /** At-the-money vol the gamma band drifts with. */
  vol: number;
  /**
   * The delta instrument per `deltaHedge` choice (perp, future, none; `least-carry:buy`/`least-carry:sell`, since
   * that choice depends on the side), resolved lazily.
   */
  hedges: Map<string, DeltaHedgeInstrument | null>;
  /** Why the policy's delta instrument cannot be used on this market (no perp quote, no two-sided book...). */
  hedgeErrors: Map<string, string>;
  /** The rows valued on this state so far (`valueBook`): a position in several books of one tick is priced once. */
  rows: ValuedRows;
  /** Each LP's carry at this state's spot price and `vol` (`bookCarry`), kept for the same reason. */
  lpCarries: WeakMap<BookPosition, LpCarry>;
}

export function marketContext(market: MarketSnapshot, asOfMs: number): MarketContext {
  return {
    market,
    asOfMs,
    vol: atmVol(market, asOfMs),
    hedges: new Map(),
    hedgeErrors: new Map(),
    rows: new WeakMap(),
    lpCarries: new WeakMap(),
  };
}

/** The delta instrument of the policy on this market for a trade on `side`, or null and why not. */
function hedgeOf(
  ctx: MarketContext,
  policy: HedgePolicy,
  side: 'buy' | 'sell',
): { hedge: DeltaHedgeInstrument | null; error: string | null } {
  // `least-carry` picks its instrument by the side of the trade; the other choices do not depend on it.
  const key = policy.deltaHedge === 'least-carry' ? `${policy.deltaHedge}:${side}` : policy.deltaHedge;
  let hedge = ctx.hedges.get(key);
  if (hedge === undefined) {
    try {
      hedge = deltaHedgeInstrument(ctx.market, ctx.asOfMs, policy, null, side);
    } catch (error) {
      // The book is still valued; only what to trade in the delta instrument is unknown, and it says why.
      if (!(error instanceof MarketSanityError)) throw error;
      hedge = null;
      ctx.hedgeErrors.set(key, error.message);
    }
    ctx.hedges.set(key, hedge);
  }
  return { hedge, error: ctx.hedgeErrors.get(key) ?? null };
}

function emptyGreeks(): GreeksView {
  return {
    valueQuote: 0,
    delta: 0,
    gamma: 0,
    vegaPerUnitVol: 0,
    vegaPerVolPoint: 0,
    thetaPerYear: 0,
    thetaPerDay: 0,
  };
}

function add(into: GreeksView, row: PositionGreeks): void {
  into.valueQuote += row.value;
  into.delta += row.delta;
  into.gamma += row.gamma;
  into.vegaPerUnitVol += row.vega;
  into.thetaPerYear += row.theta;
}

function finish(view: GreeksView): GreeksView {
  view.vegaPerVolPoint = vegaPerUnitVolToPerVolPoint(view.vegaPerUnitVol);
  view.thetaPerDay = perYearToPerDay(view.thetaPerYear);
  return view;
}

/** Plain Greeks (vega per 1.00 vol, theta per year) with the display units beside them. */
export function greeksView(g: {
  value?: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}): GreeksView {
  return finish({
    valueQuote: g.value ?? NaN,
    delta: g.delta,
    gamma: g.gamma,
    vegaPerUnitVol: g.vega,
    vegaPerVolPoint: 0,
    thetaPerYear: g.theta,
    thetaPerDay: 0,
  });
}

/** The Greeks of a valuation's rows split into LP, holdings (listed instruments), collateral and their sum. */
export function splitGreeks(valuation: BookValuation): {
  lp: GreeksView;
  holdings: GreeksView;
  collateral: GreeksView;
  net: GreeksView;
} {
  const lp = emptyGreeks();
  const holdings = emptyGreeks();
  const collateral = emptyGreeks();
  const net = emptyGreeks();
  for (const row of valuation.positions) {
    add(row.kind === 'lp' ? lp : row.kind === 'balance' ? collateral : holdings, row);
    add(net, row);
  }
  return { lp: finish(lp), holdings: finish(holdings), collateral: finish(collateral), net: finish(net) };
}

/** The balance rows of a valuation, with their delta and value in the book. */
export function balancesOf(valuation: BookValuation): CollateralBalanceView[] {
  const out: CollateralBalanceView[] = [];
  for (const row of valuation.positions)
    if (row.balance)
      out.push({ id: row.id, label: row.label, ...row.balance, deltaBase: row.delta, valueQuote: row.value });
  return out;
}

/** The perp/future contracts, in lots, that take net delta to the policy's target. */
export function deltaToTrade(hedge: DeltaHedgeInstrument, net: GreeksView, policy: HedgePolicy): ToTrade {
  const instrument = hedge.quote.instrument;
  const contractsUnrounded = (policy.target.delta - net.delta) / hedge.basePerContract;
  const contracts = roundToStep(contractsUnrounded, instrument.amountStep, 'nearest');
  const baseAmount = contracts * hedge.basePerContract;
  return {
    instrument: instrument.venueId,
    contracts,
    contractsUnrounded,
    baseAmount,
    lotContracts: instrument.amountStep,
    netDeltaAfterBase: net.delta + baseAmount,
    netGammaLeft: net.gamma,
  };
}

/**
 * The carry of a valued book at `vol`: per LP its fees (its theta) and LVR (hedging/carry.ts, `pricing/lp` LVR),
 * for the holdings the Ito term of their gamma; net = lp + holdings field by field.
 */
export function bookCarry(
  positions: readonly BookPosition[],
  price: number,
  vol: number,
  views: { lp: GreeksView; holdings: GreeksView },
  /** LP carries already computed at this `price` and `vol` (a `MarketContext`'s), filled as it goes. */
  cache?: WeakMap<BookPosition, LpCarry>,
): BookCarry {
  let lvr = 0;
  let fees = 0;
  let lps = 0;
  let withFees = 0;
  for (const p of positions) {
    // Only an LP has LVR and fee income; holdings' carry is their gamma's (below); balances have none (no gamma).
    if (p.kind !== 'lp') continue;
    let c = cache?.get(p);
    if (!c) {
      c = lpCarry(p.position, price, vol, p.carry, `positions.${p.id}.carry`);
      cache?.set(p, c);
    }
    lvr += c.lvrQuotePerYear;
    fees += c.feeIncomeQuotePerYear;
    lps++;
    if (c.basis === 'fees-minus-lvr') withFees++;
  }
  const basis =
    withFees === lps ? (lps === 0 ? 'lvr-only' : 'fees-minus-lvr') : withFees === 0 ? 'lvr-only' : 'partial';
  const holdingsLvr = gammaLvrPerYear(views.holdings.gamma, price, vol);
  const lp = carryViewOf(fees, lvr, views.lp.thetaPerYear, basis);
  const holdings = carryViewOf(0, holdingsLvr, views.holdings.thetaPerYear, 'lvr-only');
  return {
    vol,
    lp,
    holdings,
    net: {
      feeIncomeQuotePerDay: lp.feeIncomeQuotePerDay + holdings.feeIncomeQuotePerDay,
      lvrQuotePerDay: lp.lvrQuotePerDay + holdings.lvrQuotePerDay,
      carryQuotePerDay: lp.carryQuotePerDay + holdings.carryQuotePerDay,
      thetaBasis: basis,
    },
  };
}

/** The net book of `positions` (LP positions and held hedges) on one market state. */
export function netBook(
  positions: readonly BookPosition[],
  ctx: MarketContext,
  policy: HedgePolicy,
  options: { poolPrice?: number } = {},
): NetBook {
  const valuation = valueBook(positions, ctx.market, ctx.asOfMs, { ...options, rows: ctx.rows });
  const { lp, holdings, collateral, net } = splitGreeks(valuation);
  const { hedge, error: hedgeError } = hedgeOf(ctx, policy, deltaHedgeSide(policy.target.delta, net.delta));
  const width = deltaBandHalfWidth(deltaBandOf(policy), {
    gamma: net.gamma,
    price: valuation.price,
    vol: ctx.vol,
    minBase: hedge?.candidate.lotBase ?? 0,
  });
  const deviationBase = net.delta - policy.target.delta;
  return {
    asOfMs: ctx.asOfMs,
    price: valuation.price,
    lp,
    holdings,
    collateral,
    net,
    balances: balancesOf(valuation),
    carry: bookCarry(
      positions,
      valuation.price,
      ctx.vol,
      { lp, holdings },
      options.poolPrice === undefined ? ctx.lpCarries : undefined,
    ),
    band: {
      status: Math.abs(deviationBase) <= width.halfWidthBase ? 'inside' : 'breach',
      halfWidthBase: width.halfWidthBase,
      deviationBase,
      targetDeltaBase: policy.target.delta,
      explanation: width.explanation,
    },
    toTrade: hedge ? deltaToTrade(hedge, net, policy) : null,
    toTradeUnavailable: hedgeError,
  };
}
