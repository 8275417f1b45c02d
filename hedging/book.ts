/**
 * The book: LP positions plus option, perp and future positions already held and venue balances (collateral,
 * hedging/collateral.ts), and their aggregate Greeks in the quote currency at the current market.
 *
 * Conventions (CONVENTIONS.md):
 * - Greeks are plain partial derivatives of USD value: delta dV/dP in base units, gamma d2V/dP2, vega dV/dsigma
 *   (sigma decimal), theta dV/dt per year. Options are priced with Black-76 on the forward of their own expiry at
 *   their mark IV; a one-dollar move of the pool price is taken to move every forward by one dollar (forwards are
 *   within 0.5% of the index on the built-in chain; the basis is reported, not modelled).
 * - Coin-settled (inverse) options use the premium-adjusted delta (Deribit "delta total", V12): the coin premium
 *   `c = C/F` is itself coin and moves with the price, so the USD-flat delta is `delta - c`. Gamma stays the Black
 *   gamma: once paid, the premium is a fixed amount of coin, linear in the price.
 * - Inverse perps and futures trade in USD contracts: base units = contracts x contract USD / price
 *   (Deribit BTC-PERPETUAL: 10 USD per contract). Their USD P&L is linear in the price, so delta = base units and
 *   gamma = 0.
 * - A coin balance is worth `balance x price`; its delta is the balance plus the coin the venue's coin-settled
 *   positions hold as coin (options' coin marks, inverse perps' unrealised coin P&L), which the two rules above leave
 *   out of their own deltas: so holdings + collateral is the USD delta of the venue account. A stablecoin balance
 *   is worth its amount and carries no Greeks.
 * - The pool price of every LP position is the market's index (an arbitraged pool tracks it), unless the caller
 *   passes one.
 */
import { black76Greeks, lpRange, lpStateUnchecked, premiumAdjustedDelta, validatePosition } from '../pricing/index.js';
import type { LpPosition } from '../pricing/index.js';
import type { FutureQuote, Instrument, MarketSnapshot, OptionQuote, PerpQuote, Venue } from '../adapters/model.js';
import { yearFractionAct365 } from '../adapters/model.js';
import { lpFeeIncomePerYear, type LpCarryInput } from './carry.js';
import { collateralUnitOf, currentBalanceOf, type BalanceBookPosition, type CollateralUnit } from './collateral.js';
import { closedPnl } from './ledger.js';
import { InvalidHedgeInputError, MarketSanityError, UnknownPositionError } from './errors.js';
import type { BookGreeks } from './optimise.js';

export type BookPosition =
  | {
      id: string;
      kind: 'lp';
      label?: string;
      position: LpPosition;
      /** Its fee estimate (hedging/carry.ts): the LP's theta is the fee income it accrues with time. */
      carry?: LpCarryInput;
    }
  | {
      id: string;
      kind: 'option' | 'perp' | 'future';
      label?: string;
      venue: Venue;
      /** The venue's own instrument id, e.g. `BTC-26JUN26-80000-C`, `BTC-PERPETUAL`. */
      instrument: string;
      /** Signed contracts held (+ long). */
      contracts: number;
      /**
       * Average entry of the open contracts (the ledger's), in the price currency, when known: a coin balance on the
       * venue counts an inverse perp's or future's unrealised coin P&L from it (hedging/collateral.ts).
       */
      averagePrice?: number | null;
    }
  | BalanceBookPosition;

/** A balance row's figures (hedging/collateral.ts), amounts in the balance's `currency`. */
export interface BalanceDetail {
  venue: Venue;
  currency: string;
  unit: CollateralUnit;
  startingInCurrency: number;
  premiumInCurrency: number;
  pnlInCurrency: number;
  feesInCurrency: number;
  /** The balance now: starting + premium + P&L + fees. */
  balanceInCurrency: number;
  /**
   * Coin the venue's coin-settled positions of this valuation hold as coin (options' coin marks, inverse perps' and
   * futures' unrealised coin P&L), base units: left out of their own (premium-adjusted) deltas, so the balance's
   * delta counts it. 0 for a stablecoin.
   */
  coinHeldBase: number;
}

/** Greeks of one option (or linear instrument) per base unit held long, quote currency. */
export interface UnitGreeks {
  /** Model value per base unit, quote currency (Black-76 at mark IV for options; 0 for linear instruments). */
  value: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface PositionGreeks extends BookGreeks {
  id: string;
  kind: BookPosition['kind'];
  label: string | null;
  /** LP model, or null for listed instruments. */
  model: LpPosition['model'] | null;
  /** LP range (quote per base) or null; v2 and weighted pools span (0, Infinity). */
  range: { lower: number; upper: number | null } | null;
  /** Human-unit liquidity for v2/v3, null otherwise. */
  liquidity: number | null;
  /** Price the position is valued at: pool price for LPs, forward (options) or mark (perps/futures). */
  price: number;
  /** Value in the quote currency (LP value; option model value; 0 for perps and futures). */
  value: number;
  /** Listed instruments: venue id, contracts and signed base units. */
  instrument: string | null;
  contracts: number | null;
  baseAmount: number | null;
  /** Balances (collateral) only: the balance and what moved it. */
  balance?: BalanceDetail;
}

export interface BookValuation {
  asOfMs: number;
  /** Pool (spot) price used for the LP positions, quote per base. */
  price: number;
  positions: PositionGreeks[];
  total: BookGreeks & { value: number };
}

/** Spot price of the snapshot: the index, else the perp mark, else the nearest forward. */
export function spotPrice(market: MarketSnapshot): number {
  const price = market.index ?? market.perp?.mark ?? market.perp?.index ?? market.chains[0]?.forward ?? null;
  if (price === null || !(price > 0)) {
    throw new MarketSanityError(
      `${market.venue} ${market.underlying}: the snapshot carries no index, perp or forward price`,
    );
  }
  return price;
}

/** Black-76 Greeks of one base unit of an option at its mark IV, premium-adjusted delta when coin-settled. */
export function optionUnitGreeks(quote: OptionQuote, asOfMs: number): UnitGreeks {
  const i = quote.instrument;
  if (quote.forward === null || quote.markIv === null || i.strike === null || i.expiryMs === null || !i.optionType) {
    throw new MarketSanityError(`${i.venueId}: no forward, mark IV, strike or expiry to price it with`);
  }
  const years = Math.max(0, yearFractionAct365(asOfMs, i.expiryMs));
  const g = black76Greeks(i.optionType, quote.forward, i.strike, years, quote.markIv);
  const delta = i.inverse ? premiumAdjustedDelta(g.delta, g.price / quote.forward) : g.delta;
  return { value: g.price, delta, gamma: g.gamma, vega: g.vega, theta: g.theta };
}

/** Base units per contract of a listed instrument at `price` (inverse contracts are USD amounts). */
export function baseUnitsPerContract(instrument: Instrument, price: number): number {
  if (instrument.contractSize !== null) return instrument.contractSize;
  if (instrument.contractValueQuote !== null) return instrument.contractValueQuote / price;
  throw new MarketSanityError(`${instrument.venueId}: neither a contract size nor a contract value in USD`);
}

type AnyQuote = OptionQuote | PerpQuote | FutureQuote;

/**
 * Quotes of a snapshot by venue id and by ccxt symbol, built once per snapshot: the stream looks up every held
 * instrument of every position on every tick, and a scan of ~900 options per look-up is most of a tick's work.
 * Snapshots are immutable (a moved market is a new object), so the index never goes stale.
 */
const quoteIndexes = new WeakMap<MarketSnapshot, Map<string, AnyQuote>>();

function quoteIndex(market: MarketSnapshot): Map<string, AnyQuote> {
  let index = quoteIndexes.get(market);
  if (!index) {
    index = new Map();
    const add = (q: AnyQuote) => {
      // The first listing of an id wins, as the scan this replaces did (perp, then futures, then options).
      if (!index!.has(q.instrument.venueId)) index!.set(q.instrument.venueId, q);
      if (!index!.has(q.instrument.symbol)) index!.set(q.instrument.symbol, q);
    };
    if (market.perp) add(market.perp);
    for (const f of market.futures) add(f);
    for (const chain of market.chains) for (const o of chain.options) add(o);
    quoteIndexes.set(market, index);
  }
  return index;
}

/** Finds a quote by venue id (or ccxt symbol) in the snapshot. */
export function findQuote(market: MarketSnapshot, instrument: string): AnyQuote | null {
  return quoteIndex(market).get(instrument) ?? null;
}

/** Mark (else mid) of a perp or future, quote per base. */
export function linearMark(quote: PerpQuote | FutureQuote): number {
  const mid = quote.bid !== null && quote.ask !== null ? (quote.bid + quote.ask) / 2 : null;
  const mark = quote.mark ?? mid ?? quote.index;
  if (mark === null || !(mark > 0)) throw new MarketSanityError(`${quote.instrument.venueId}: no mark, mid or index`);
  return mark;
}

function lpPositionGreeks(p: Extract<BookPosition, { kind: 'lp' }>, price: number): PositionGreeks {
  const position = validatePosition(p.position, `positions.${p.id}`);
  const s = lpStateUnchecked(position, price);
  const range = lpRange(position);
  return {
    id: p.id,
    kind: 'lp',
    label: p.label ?? null,
    model: position.model,
    range: position.model === 'v3' ? { lower: range.lower, upper: range.upper } : { lower: 0, upper: null },
    liquidity: position.model === 'weighted' ? null : position.liquidity,
    price,
    value: s.value,
    delta: s.delta,
    gamma: s.gamma,
    // An AMM position's value depends on the price alone: no vega; its theta dV/dt is the fee income it accrues with
    // time (0 without a fee estimate). Its LVR is the Ito term of its gamma, as for options: hedging/carry.ts.
    vega: 0,
    theta: lpFeeIncomePerYear(position, price, p.carry, `positions.${p.id}.carry`),
    instrument: null,
    contracts: null,
    baseAmount: null,
  };
}

type HeldBookPosition = Extract<BookPosition, { kind: 'option' | 'perp' | 'future' }>;

function listedPositionGreeks(p: HeldBookPosition, market: MarketSnapshot, asOfMs: number): PositionGreeks {
  if (!Number.isFinite(p.contracts)) {
    throw new InvalidHedgeInputError(`positions.${p.id}.contracts`, p.contracts, 'must be a finite number');
  }
  if (p.venue !== market.venue) {
    throw new UnknownPositionError(
      `position ${p.id}: held on ${p.venue}, but the market snapshot is ${market.venue} ${market.underlying}`,
    );
  }
  const quote = findQuote(market, p.instrument);
  if (!quote || quote.kind !== p.kind) {
    throw new UnknownPositionError(
      `position ${p.id}: ${p.venue} ${p.instrument} is not a listed ${p.kind} in the ${market.underlying} snapshot`,
    );
  }
  // Written out rather than spread from a shared prefix: the stream values every holding of every position on every
  // tick, and an object spread here cost ~7 us a row on Node 20 against ~0.1 us for the literal.
  let price: number;
  let value: number;
  let base: number;
  // Linear instruments: delta is the base held, no gamma, vega or theta (exact zeros, not -0 from a product).
  let unit: UnitGreeks | null = null;
  if (quote.kind === 'option') {
    unit = optionUnitGreeks(quote, asOfMs);
    price = quote.forward!;
    base = p.contracts * baseUnitsPerContract(quote.instrument, price);
    value = base * unit.value;
  } else {
    price = linearMark(quote);
    base = p.contracts * baseUnitsPerContract(quote.instrument, price);
    value = 0;
  }
  return {
    id: p.id,
    kind: p.kind,
    label: p.label ?? null,
    model: null,
    range: null,
    liquidity: null,
    price,
    value,
    delta: unit ? base * unit.delta : base,
    gamma: unit ? base * unit.gamma : 0,
    vega: unit ? base * unit.vega : 0,
    theta: unit ? base * unit.theta : 0,
    instrument: quote.instrument.venueId,
    contracts: p.contracts,
    baseAmount: base,
  };
}

/**
 * Coin held as coin by the coin-settled positions of the book, per settlement coin (hedging/collateral.ts): a
 * coin-settled option's coin mark (its model value over the forward, the premium its premium-adjusted delta leaves
 * out) and an inverse perp's or future's unrealised coin P&L at its mark when its average entry is known.
 */
function coinHeldByCurrency(
  positions: readonly BookPosition[],
  rows: readonly PositionGreeks[],
  market: MarketSnapshot,
): Map<string, number> {
  const held = new Map<string, number>();
  positions.forEach((p, i) => {
    if (p.kind === 'lp' || p.kind === 'balance') return;
    const quote = findQuote(market, p.instrument);
    const row = rows[i]!;
    if (!quote || !quote.instrument.inverse) return;
    let coin = 0;
    if (quote.kind === 'option') coin = row.value / row.price;
    else if (p.averagePrice != null && p.averagePrice > 0 && quote.instrument.contractValueQuote !== null) {
      coin = closedPnl(
        { contractSize: null, contractValueQuote: quote.instrument.contractValueQuote, priceCurrency: 'USD' },
        p.contracts,
        p.averagePrice,
        row.price,
      );
    }
    const currency = quote.instrument.settle;
    held.set(currency, (held.get(currency) ?? 0) + coin);
  });
  return held;
}

/**
 * A balance row: coin collateral is worth `balance x price` with delta `balance` plus the coin its venue's
 * coin-settled positions hold (see `BalanceDetail.coinHeldBase`), no gamma; a USD stablecoin is worth its amount and
 * carries nothing else. A coin balance is counted in its own coin's book only.
 */
function balancePositionGreeks(
  p: BalanceBookPosition,
  market: MarketSnapshot,
  price: number,
  held: ReadonlyMap<string, number>,
): PositionGreeks {
  if (p.venue !== market.venue) {
    throw new UnknownPositionError(
      `position ${p.id}: a ${p.venue} balance, but the market snapshot is ${market.venue} ${market.underlying}`,
    );
  }
  const unit = collateralUnitOf(p.currency);
  if (unit === 'coin' && p.currency !== market.underlying) {
    throw new UnknownPositionError(
      `position ${p.id}: a ${p.currency} balance is counted in the ${p.venue}/${p.currency} book, not ${market.underlying}`,
    );
  }
  for (const field of ['startingInCurrency', 'premiumInCurrency', 'pnlInCurrency', 'feesInCurrency'] as const) {
    if (!Number.isFinite(p[field]))
      throw new InvalidHedgeInputError(`positions.${p.id}.${field}`, p[field], 'must be a finite number');
  }
  const balance = currentBalanceOf(p);
  const coinHeldBase = unit === 'coin' ? (held.get(p.currency) ?? 0) : 0;
  return {
    id: p.id,
    kind: 'balance',
    label: p.label ?? null,
    model: null,
    range: null,
    liquidity: null,
    price,
    value: unit === 'coin' ? balance * price : balance,
    delta: unit === 'coin' ? balance + coinHeldBase : 0,
    gamma: 0,
    vega: 0,
    theta: 0,
    instrument: null,
    contracts: null,
    // Base units the balance holds (the scenario grid revalues it as linear): the coin, or none for a stablecoin.
    baseAmount: unit === 'coin' ? balance : 0,
    balance: {
      venue: p.venue,
      currency: p.currency,
      unit,
      startingInCurrency: p.startingInCurrency,
      premiumInCurrency: p.premiumInCurrency,
      pnlInCurrency: p.pnlInCurrency,
      feesInCurrency: p.feesInCurrency,
      balanceInCurrency: balance,
      coinHeldBase,
    },
  };
}

/**
 * Rows already valued on one market state (one snapshot, one time, its own spot price), by position object: the
 * stream values each position with its own hedges and then the market's whole book on the same tick, and the second
 * valuation reuses the first's rows instead of pricing every LP and option again. Only LP and listed rows are kept
 * (a balance's row depends on the other rows of its valuation). Whoever holds the cache keeps it to that one state
 * (`MarketContext` does: one per tick).
 */
export type ValuedRows = WeakMap<BookPosition, PositionGreeks>;

/** Greeks of every position and of the whole book at the snapshot, time `asOfMs`. */
export function valueBook(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  asOfMs: number,
  options: { poolPrice?: number; rows?: ValuedRows } = {},
): BookValuation {
  if (!Number.isFinite(asOfMs)) throw new InvalidHedgeInputError('asOfMs', asOfMs, 'must be a time in UTC ms');
  const ids = new Set<string>();
  for (const p of positions) {
    if (ids.has(p.id)) throw new InvalidHedgeInputError('positions', p.id, 'position ids must be unique');
    ids.add(p.id);
  }
  const price = options.poolPrice ?? spotPrice(market);
  // Balances last: a coin balance counts the coin its venue's positions hold, so they are valued first.
  const rows: PositionGreeks[] = new Array<PositionGreeks>(positions.length);
  let balances = false;
  // A pool price of the caller's is not the state the cache is for.
  const cache = options.poolPrice === undefined ? options.rows : undefined;
  positions.forEach((p, i) => {
    if (p.kind === 'balance') {
      balances = true;
      return;
    }
    const cached = cache?.get(p);
    if (cached) {
      rows[i] = cached;
      return;
    }
    const row = p.kind === 'lp' ? lpPositionGreeks(p, price) : listedPositionGreeks(p, market, asOfMs);
    cache?.set(p, row);
    rows[i] = row;
  });
  if (balances) {
    const held = coinHeldByCurrency(positions, rows, market);
    const seen = new Map<string, string>();
    positions.forEach((p, i) => {
      if (p.kind !== 'balance') return;
      const key = `${p.venue}/${p.currency}`;
      const other = seen.get(key);
      if (other !== undefined)
        throw new InvalidHedgeInputError(
          'positions',
          p.id,
          `one balance per venue and currency: ${other} is already the ${key} balance (state the amount once)`,
        );
      seen.set(key, p.id);
      rows[i] = balancePositionGreeks(p, market, price, held);
    });
  }
  const total = { delta: 0, gamma: 0, vega: 0, theta: 0, value: 0 };
  for (const r of rows) {
    total.delta += r.delta;
    total.gamma += r.gamma;
    total.vega += r.vega;
    total.theta += r.theta;
    total.value += r.value;
  }
  return { asOfMs, price, positions: rows, total };
}
