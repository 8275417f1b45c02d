/**
 * The hedge ledger: fills (append-only) folded into holdings. Pure: the service stores the fills in SQLite and
 * calls `foldFills` to know what is held; the book values the holdings on the market like any other position.
 *
 * Units: `contracts` are the venue's contracts, signed (+ bought); `price` is in the instrument's price currency
 * (Deribit BTC options: BTC per contract; BTC-PERPETUAL: USD per BTC); fees are USD.
 */
import type { Venue } from '../adapters/model.js';
import { InvalidHedgeInputError } from './errors.js';

export type HeldKind = 'option' | 'perp' | 'future';

/** How a contract of the instrument converts to base units and P&L (from the market's instrument). */
export interface ContractTerms {
  /** Base units per contract (options, linear contracts), or null for inverse perps/futures. */
  contractSize: number | null;
  /** USD per contract of an inverse perp or future (Deribit BTC-PERPETUAL: 10), else null. */
  contractValueQuote: number | null;
  /** Currency `price` is in, e.g. `BTC` (Deribit inverse options), `USD` (the perp). */
  priceCurrency: string;
}

export interface Fill extends ContractTerms {
  id: string;
  /** When the fill happened (venue time for a venue fill, entry time for a hedge entered by hand), UTC ms. */
  atMs: number;
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  /** Signed contracts: + bought, - sold. Never 0. */
  contracts: number;
  price: number;
  feeQuote: number;
  venueOrderId: string | null;
  ticketId: string | null;
  /** Index of the ticket leg the fill belongs to, or null for fills outside tickets. */
  legIndex: number | null;
  /**
   * Position ids the hedge belongs to (a ticket's positions), sorted; empty for a hedge of the whole book of its
   * market. Holdings are kept apart per scope so a position's own hedges can be shown beside it.
   */
  scope: string[];
  source: 'ticket' | 'manual' | 'close' | 'config';
  actor: string;
}

export interface Holding extends ContractTerms {
  /** Stable id of (venue, instrument, scope). */
  id: string;
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  scope: string[];
  /** Net signed contracts held now. */
  netContracts: number;
  /** Average entry price of the open contracts (price currency), null when flat. */
  averagePrice: number | null;
  /** Realised P&L of the closed contracts, in `realisedPnlCurrency`. */
  realisedPnl: number;
  realisedPnlCurrency: string;
  feesQuote: number;
  openedAtMs: number;
  fills: Fill[];
}

// --- ids ------------------------------------------------------------------------------------------------------------

/** Scope as stored and compared: sorted, without duplicates. */
export function normaliseScope(scope: readonly string[]): string[] {
  return [...new Set(scope)].sort();
}

/**
 * Stable id of the holding of `instrument` on `venue` for `scope`: `h-` + 16 hex digits of two FNV-1a hashes of the
 * canonical parts. Deterministic (no randomness, no Node crypto: the hedging layer runs anywhere), so the same
 * fills always fold into the same id and a client can keep it across restarts.
 */
export function holdingId(venue: string, instrument: string, scope: readonly string[]): string {
  const text = JSON.stringify([venue, instrument, normaliseScope(scope)]);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `h-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

// --- folding --------------------------------------------------------------------------------------------------------

/**
 * Relative float tolerance of contract arithmetic: a net position within this of zero is flat, a fill within this
 * of a leg's remaining contracts completes it. Contracts are decimals (0.1 BTC option lots) summed in binary floats,
 * so 0.1 + 0.2 - 0.3 must count as flat; 1e-9 is far below any venue's lot.
 */
export const CONTRACTS_TOLERANCE = 1e-9;

function tolerance(scale: number): number {
  return CONTRACTS_TOLERANCE * Math.max(1, Math.abs(scale));
}

/** True for an inverse perp/future: contracts are USD amounts, price USD per coin, P&L in the coin. */
export function isInverseTerms(terms: ContractTerms): boolean {
  return terms.contractSize === null && terms.contractValueQuote !== null;
}

/**
 * Realised P&L of closing `closedContracts` (signed as the position they close: + closes a long) opened at `entry`
 * and closed at `exit`. Linear and option contracts: `contracts * contractSize * (exit - entry)` in the price
 * currency; inverse perps/futures: `contracts * contractValueQuote * (1/entry - 1/exit)` in the base coin.
 */
export function closedPnl(terms: ContractTerms, closedContracts: number, entry: number, exit: number): number {
  if (isInverseTerms(terms)) return closedContracts * terms.contractValueQuote! * (1 / entry - 1 / exit);
  return closedContracts * (terms.contractSize ?? 1) * (exit - entry);
}

/** Currency of a holding's P&L: the base coin for inverse perps/futures, else the price currency. */
export function pnlCurrencyOf(terms: ContractTerms, underlying: string): string {
  return isInverseTerms(terms) ? underlying : terms.priceCurrency;
}

/**
 * Average entry after adding `added` contracts at `price` to `held` contracts at `average` (same sign). Linear:
 * the contract-weighted mean. Inverse: the contract-weighted harmonic mean, the only average whose inverse P&L
 * formula gives the sum of the fills' own P&Ls (each USD contract is worth 1/price coin).
 */
function averageAfter(terms: ContractTerms, held: number, average: number, added: number, price: number): number {
  const a = Math.abs(held);
  const b = Math.abs(added);
  if (isInverseTerms(terms)) return (a + b) / (a / average + b / price);
  return (a * average + b * price) / (a + b);
}

function termsDiffer(a: ContractTerms, b: ContractTerms): keyof ContractTerms | null {
  if (a.contractSize !== b.contractSize) return 'contractSize';
  if (a.contractValueQuote !== b.contractValueQuote) return 'contractValueQuote';
  if (a.priceCurrency !== b.priceCurrency) return 'priceCurrency';
  return null;
}

/**
 * The holdings the fills add up to, one per (venue, instrument, scope), by the average-cost method: a fill that adds
 * to the position moves the average entry; a fill that reduces it realises P&L against the average and leaves the
 * average alone; a fill that flips it closes the old position and opens the rest at its own price. Fees are summed
 * in USD (never netted into P&L, which is in the price currency or the coin).
 *
 * Fills are applied in time order (`atMs`, then the order given): fills are appended as they happen, and a hedge
 * entered by hand may be back-dated. Flat holdings are kept (their realised P&L is history). Throws
 * `InvalidHedgeInputError` for a zero or non-finite fill and for fills of one holding with different contract
 * terms (the ledger would be mixing two instruments).
 */
export function foldFills(fills: readonly Fill[]): Holding[] {
  const groups = new Map<string, { fill: Fill; index: number }[]>();
  fills.forEach((fill, index) => {
    const id = holdingId(fill.venue, fill.instrument, fill.scope);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = []));
    group.push({ fill, index });
  });
  const holdings: Holding[] = [];
  for (const [id, group] of groups) {
    group.sort((a, b) => a.fill.atMs - b.fill.atMs || a.index - b.index);
    const first = group[0]!.fill;
    const terms: ContractTerms = {
      contractSize: first.contractSize,
      contractValueQuote: first.contractValueQuote,
      priceCurrency: first.priceCurrency,
    };
    let net = 0;
    let average: number | null = null;
    let realised = 0;
    let fees = 0;
    let openedAtMs = first.atMs;
    for (const { fill, index } of group) {
      const at = `fills[${index}]`;
      if (!Number.isFinite(fill.contracts) || fill.contracts === 0) {
        throw new InvalidHedgeInputError(`${at}.contracts`, fill.contracts, 'must be a finite non-zero number');
      }
      if (!Number.isFinite(fill.price) || fill.price <= 0) {
        throw new InvalidHedgeInputError(`${at}.price`, fill.price, 'must be a finite number greater than 0');
      }
      if (!Number.isFinite(fill.feeQuote)) {
        throw new InvalidHedgeInputError(`${at}.feeQuote`, fill.feeQuote, 'must be a finite number');
      }
      const differs = termsDiffer(terms, fill);
      if (differs) {
        throw new InvalidHedgeInputError(
          `${at}.${differs}`,
          fill[differs],
          `differs from the other fills of ${fill.instrument} (${String(terms[differs])})`,
        );
      }
      fees += fill.feeQuote;
      const c = fill.contracts;
      if (net === 0 || Math.sign(c) === Math.sign(net)) {
        if (net === 0) openedAtMs = fill.atMs;
        average = average === null || net === 0 ? fill.price : averageAfter(terms, net, average, c, fill.price);
        net += c;
        continue;
      }
      // Opposite sign: close up to the whole position against the average, open any excess at the fill's price.
      const closing = Math.sign(net) * Math.min(Math.abs(c), Math.abs(net));
      realised += closedPnl(terms, closing, average!, fill.price);
      const after = net + c;
      if (Math.abs(after) <= tolerance(Math.max(Math.abs(net), Math.abs(c)))) {
        net = 0;
        average = null;
      } else if (Math.sign(after) !== Math.sign(net)) {
        net = after;
        average = fill.price;
        openedAtMs = fill.atMs;
      } else {
        net = after;
      }
    }
    holdings.push({
      id,
      venue: first.venue,
      underlying: first.underlying,
      instrument: first.instrument,
      kind: first.kind,
      scope: normaliseScope(first.scope),
      ...terms,
      netContracts: net,
      averagePrice: average,
      realisedPnl: realised,
      realisedPnlCurrency: pnlCurrencyOf(terms, first.underlying),
      feesQuote: fees,
      openedAtMs,
      fills: group.map((g) => g.fill),
    });
  }
  return holdings.sort(
    (a, b) =>
      compare(a.venue, b.venue) ||
      compare(a.underlying, b.underlying) ||
      compare(a.instrument, b.instrument) ||
      compare(a.scope.join(','), b.scope.join(',')),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Signed base units a holding is worth in delta terms at `price`: linear and option contracts `netContracts *
 * contractSize`; inverse perps/futures `netContracts * contractValueQuote / price` (price USD per coin, the
 * instrument's mark). Null when an inverse holding has no usable price.
 */
export function baseAmountOf(holding: Holding, price: number | null): number | null {
  if (isInverseTerms(holding)) {
    if (price === null || !Number.isFinite(price) || price <= 0) return null;
    return (holding.netContracts * holding.contractValueQuote!) / price;
  }
  return holding.netContracts * (holding.contractSize ?? 1);
}

/** P&L of the open contracts marked at `markPrice`, in `realisedPnlCurrency`; 0 when flat, null without a mark. */
export function unrealisedPnlOf(holding: Holding, markPrice: number | null): number | null {
  if (holding.netContracts === 0 || holding.averagePrice === null) return 0;
  if (markPrice === null || !Number.isFinite(markPrice) || markPrice <= 0) return null;
  return closedPnl(holding, holding.netContracts, holding.averagePrice, markPrice);
}

// --- fills against ticket legs --------------------------------------------------------------------------------------

/** What a ticket leg asks to trade, as the ledger checks fills against it. */
export interface LegToFill {
  instrument: string;
  side: 'buy' | 'sell';
  /** Unsigned contracts the leg asks for. */
  contracts: number;
}

/** A fill as a client reports it against a ticket (before ids, terms and scope are attached). */
export interface FillReport {
  instrument: string;
  /** Signed: + bought, - sold. */
  contracts: number;
  price: number;
  feeQuote?: number;
  venueOrderId?: string | null;
}

/** Unsigned contracts filled so far per leg (index = leg index), from the fills recorded against the ticket. */
export function filledPerLeg(legs: readonly LegToFill[], fills: readonly Pick<Fill, 'legIndex' | 'contracts'>[]) {
  const filled = legs.map(() => 0);
  for (const fill of fills) {
    if (fill.legIndex !== null && fill.legIndex >= 0 && fill.legIndex < filled.length) {
      filled[fill.legIndex]! += Math.abs(fill.contracts);
    }
  }
  return filled;
}

/** Unsigned contracts each leg still needs (0 once within the tolerance of complete). */
export function remainingPerLeg(legs: readonly LegToFill[], filled: readonly number[]): number[] {
  return legs.map((leg, i) => {
    const left = leg.contracts - (filled[i] ?? 0);
    return left <= tolerance(leg.contracts) ? 0 : left;
  });
}

/** True when every leg is filled (within the tolerance). A ticket without legs is complete. */
export function legsComplete(legs: readonly LegToFill[], filled: readonly number[]): boolean {
  return remainingPerLeg(legs, filled).every((r) => r === 0);
}

/**
 * Assigns each reported fill to its ticket leg and checks it: the instrument must be one of the ticket's legs, the
 * sign must be the leg's side (+ buy, - sell), and the contracts filled per leg (what is already recorded plus these
 * fills) must not exceed the leg's contracts beyond `CONTRACTS_TOLERANCE`. Errors name the field as
 * `<path>[i].<field>`. Returns the leg index of every fill, in order.
 *
 * When an instrument appears in several legs, a fill goes to the first leg of its sign with room left.
 */
export function assignFillsToLegs(
  legs: readonly LegToFill[],
  alreadyFilled: readonly number[],
  fills: readonly FillReport[],
  path = 'fills',
): number[] {
  const filled = legs.map((_, i) => alreadyFilled[i] ?? 0);
  return fills.map((fill, i) => {
    const at = `${path}[${i}]`;
    if (!Number.isFinite(fill.contracts) || fill.contracts === 0) {
      throw new InvalidHedgeInputError(`${at}.contracts`, fill.contracts, 'must be a finite non-zero number');
    }
    if (!Number.isFinite(fill.price) || fill.price <= 0) {
      throw new InvalidHedgeInputError(`${at}.price`, fill.price, 'must be a finite number greater than 0');
    }
    if (fill.feeQuote !== undefined && !Number.isFinite(fill.feeQuote)) {
      throw new InvalidHedgeInputError(`${at}.feeQuote`, fill.feeQuote, 'must be a finite number');
    }
    const candidates = legs.map((leg, index) => ({ leg, index })).filter((x) => x.leg.instrument === fill.instrument);
    if (candidates.length === 0) {
      const listed = legs.map((l) => l.instrument).join(', ') || 'none';
      throw new InvalidHedgeInputError(
        `${at}.instrument`,
        fill.instrument,
        `is not a leg of the ticket (legs: ${listed})`,
      );
    }
    const side = fill.contracts > 0 ? 'buy' : 'sell';
    const sameSide = candidates.filter((x) => x.leg.side === side);
    if (sameSide.length === 0) {
      const legSide = candidates[0]!.leg.side;
      throw new InvalidHedgeInputError(
        `${at}.contracts`,
        fill.contracts,
        `the ${fill.instrument} leg is a ${legSide}: contracts must be ${legSide === 'buy' ? 'positive' : 'negative'}`,
      );
    }
    const size = Math.abs(fill.contracts);
    const fits = sameSide.find((x) => filled[x.index]! + size <= x.leg.contracts + tolerance(x.leg.contracts));
    if (!fits) {
      const x = sameSide[0]!;
      const left = Math.max(0, x.leg.contracts - filled[x.index]!);
      throw new InvalidHedgeInputError(
        `${at}.contracts`,
        fill.contracts,
        `exceeds what is left of the ${fill.instrument} leg: ${left} of ${x.leg.contracts} contracts`,
      );
    }
    filled[fits.index]! += size;
    return fits.index;
  });
}
