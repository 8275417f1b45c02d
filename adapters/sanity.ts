/**
 * Sanity checks on normalised quotes. Every finding is a typed `SanityIssue`; a quote with any finding is left out
 * of `usableForHedging`, never silently used. Time comes in as `asOfMs` (the replay's clock or the caller's now),
 * never from the wall clock here.
 *
 * Checks and why:
 * - expired / inactive / unknown instruments: a hedge on them cannot be traded.
 * - stale: `asOfMs - timestampMs > maxAgeMs`.
 * - empty book (no bid and no ask) and crossed book (bid > ask): no executable price.
 * - no mark, no forward: nothing to price or convert coin premiums with.
 * - zero or absurd mark IV (outside `[minIv, maxIv]`, decimals).
 * - mark outside no-arbitrage bounds (below forward intrinsic or above the forward/strike) beyond one tick.
 * - put-call parity per strike against the forward (zero rates, premiums in quote currency; Deribit quotes
 *   `interest_rate: 0`): the books must satisfy `C_bid - P_ask <= F - K <= C_ask - P_bid`, and the marks
 *   `|C_mark - P_mark - (F - K)|` must stay within `parityMarkTolerance * F` (marks come from one IV per strike).
 */
import type { Chain, FutureQuote, Instrument, OptionQuote, PerpQuote, SanityIssue } from './model.js';
import { MS_PER_MINUTE, MS_PER_SECOND } from '../pricing/time.js';

export interface SanityOptions {
  /** The time the quotes are judged at (UTC ms): replay clock or the caller's now. */
  asOfMs: number;
  /** Maximum quote age, ms. Default 60 000. */
  maxAgeMs?: number;
  /** Mark IV bounds as decimals. Defaults 0.01 and 5 (1% and 500%). */
  minIv?: number;
  maxIv?: number;
  /** Mark parity tolerance as a fraction of the forward. Default 0.0005 (5 bp of F). */
  parityMarkTolerance?: number;
}

export const DEFAULT_MAX_AGE_MS = MS_PER_MINUTE;

interface Resolved {
  asOfMs: number;
  maxAgeMs: number;
  minIv: number;
  maxIv: number;
  parityMarkTolerance: number;
}

function resolve(opts: SanityOptions): Resolved {
  if (!Number.isFinite(opts.asOfMs)) throw new RangeError(`asOfMs must be a finite time in ms (got ${opts.asOfMs})`);
  return {
    asOfMs: opts.asOfMs,
    maxAgeMs: opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    minIv: opts.minIv ?? 0.01,
    maxIv: opts.maxIv ?? 5,
    parityMarkTolerance: opts.parityMarkTolerance ?? 0.0005,
  };
}

const fmt = (x: number) => Number(x.toPrecision(6)).toString();

/** The venue's price tick at a price (Deribit ticks grow above a price: `priceTickSteps`), in `priceCurrency`. */
export function tickAt(instrument: Instrument, price: number): number {
  let tick = instrument.priceTick;
  for (const step of instrument.priceTickSteps) if (price > step.abovePrice && step.tick > tick) tick = step.tick;
  return tick;
}

/** One tick of an option premium, converted to the quote currency. */
function quoteTick(q: OptionQuote, forward: number): number {
  const t = tickAt(q.instrument, q.markSettle ?? q.askSettle ?? q.bidSettle ?? 0);
  return q.instrument.inverse ? t * forward : t;
}

function commonChecks(
  q: OptionQuote | PerpQuote | FutureQuote,
  bid: number | null,
  ask: number | null,
  o: Resolved,
): SanityIssue[] {
  const issues: SanityIssue[] = [];
  const symbol = q.instrument.symbol;
  const i = q.instrument;
  if (i.expiryMs !== null && i.expiryMs <= o.asOfMs) {
    issues.push({
      symbol,
      reason: 'expired',
      detail: `expired at ${i.expiryIso}, before ${new Date(o.asOfMs).toISOString()}`,
    });
  }
  if (!i.active) issues.push({ symbol, reason: 'inactive', detail: 'the venue lists it as inactive' });
  const age = o.asOfMs - q.timestampMs;
  if (age > o.maxAgeMs) {
    issues.push({
      symbol,
      reason: 'stale',
      detail: `quote is ${fmt(age / MS_PER_SECOND)} s old (max ${fmt(o.maxAgeMs / MS_PER_SECOND)} s)`,
    });
  }
  if (bid === null && ask === null) issues.push({ symbol, reason: 'empty-book', detail: 'no bid and no ask' });
  if (bid !== null && ask !== null && bid > ask) {
    issues.push({ symbol, reason: 'crossed-book', detail: `bid ${fmt(bid)} above ask ${fmt(ask)}` });
  }
  return issues;
}

/** Per-quote checks of one option (parity needs the chain: `checkChain`). */
export function checkOption(q: OptionQuote, opts: SanityOptions): SanityIssue[] {
  const o = resolve(opts);
  const symbol = q.instrument.symbol;
  const issues = commonChecks(q, q.bidSettle, q.askSettle, o);
  if (q.markSettle === null) issues.push({ symbol, reason: 'no-mark', detail: 'no mark price' });
  if (q.forward === null) issues.push({ symbol, reason: 'no-forward', detail: 'no forward for its expiry' });
  if (q.markIv !== null) {
    if (q.markIv <= 0) issues.push({ symbol, reason: 'zero-iv', detail: `mark IV ${fmt(q.markIv)}` });
    else if (q.markIv < o.minIv || q.markIv > o.maxIv) {
      issues.push({ symbol, reason: 'absurd-iv', detail: `mark IV ${fmt(q.markIv)} outside [${o.minIv}, ${o.maxIv}]` });
    }
  }
  const F = q.forward;
  const K = q.instrument.strike;
  if (F !== null && K !== null && q.markQuote !== null) {
    // One price tick (at this price) in quote currency: coin tick x F for inverse premiums.
    const tickQuote = quoteTick(q, F);
    const intrinsic = q.instrument.optionType === 'call' ? Math.max(F - K, 0) : Math.max(K - F, 0);
    const upper = q.instrument.optionType === 'call' ? F : K;
    if (q.markQuote < intrinsic - tickQuote || q.markQuote > upper + tickQuote) {
      issues.push({
        symbol,
        reason: 'mark-outside-bounds',
        detail: `mark ${fmt(q.markQuote)} outside [intrinsic ${fmt(intrinsic)}, ${fmt(upper)}] on forward ${fmt(F)}`,
      });
    }
  }
  return issues;
}

export function checkPerp(q: PerpQuote, opts: SanityOptions): SanityIssue[] {
  const o = resolve(opts);
  const issues = commonChecks(q, q.bid, q.ask, o);
  if (q.mark === null) issues.push({ symbol: q.instrument.symbol, reason: 'no-mark', detail: 'no mark price' });
  return issues;
}

export function checkFuture(q: FutureQuote, opts: SanityOptions): SanityIssue[] {
  const o = resolve(opts);
  // A future is used for its mark (the forward), so an empty book is not a finding here; expiry and age are.
  const issues = commonChecks(q, q.bid, q.ask, o).filter((i) => i.reason !== 'empty-book');
  if (q.mark === null) issues.push({ symbol: q.instrument.symbol, reason: 'no-mark', detail: 'no mark price' });
  return issues;
}

/** Put-call parity per strike of one expiry against the chain's forward. Both legs of a violation are flagged. */
export function checkParity(chain: Chain, opts: SanityOptions): SanityIssue[] {
  const o = resolve(opts);
  const F = chain.forward;
  const byStrike = new Map<number, { call?: OptionQuote; put?: OptionQuote }>();
  for (const q of chain.options) {
    const K = q.instrument.strike;
    if (K === null) continue;
    const pair = byStrike.get(K) ?? {};
    if (q.instrument.optionType === 'call') pair.call = q;
    else pair.put = q;
    byStrike.set(K, pair);
  }
  const issues: SanityIssue[] = [];
  for (const [K, { call, put }] of byStrike) {
    if (!call || !put) continue;
    const slack = quoteTick(call, F) + quoteTick(put, F);
    const fk = F - K;
    const problems: string[] = [];
    if (call.bidQuote !== null && put.askQuote !== null && call.bidQuote - put.askQuote > fk + slack) {
      problems.push(`C_bid - P_ask = ${fmt(call.bidQuote - put.askQuote)} > F - K = ${fmt(fk)}`);
    }
    if (call.askQuote !== null && put.bidQuote !== null && call.askQuote - put.bidQuote < fk - slack) {
      problems.push(`C_ask - P_bid = ${fmt(call.askQuote - put.bidQuote)} < F - K = ${fmt(fk)}`);
    }
    if (call.markQuote !== null && put.markQuote !== null) {
      const gap = call.markQuote - put.markQuote - fk;
      if (Math.abs(gap) > o.parityMarkTolerance * F + slack) {
        problems.push(`C_mark - P_mark - (F - K) = ${fmt(gap)} (tolerance ${fmt(o.parityMarkTolerance * F + slack)})`);
      }
    }
    if (problems.length > 0) {
      const detail = `put-call parity at strike ${K} on forward ${fmt(F)}: ${problems.join('; ')}`;
      issues.push({ symbol: call.instrument.symbol, reason: 'parity-violation', detail });
      issues.push({ symbol: put.instrument.symbol, reason: 'parity-violation', detail });
    }
  }
  return issues;
}

export interface SanityInput {
  chains: readonly Chain[];
  perp: PerpQuote | null;
  futures: readonly FutureQuote[];
  /** Venue ids or symbols that appeared in payloads without a listed instrument. */
  unknown?: readonly string[];
}

export interface SanityReport {
  issues: SanityIssue[];
  /** ccxt symbols of quotes with no finding. */
  usableForHedging: Set<string>;
}

/** Runs every check over a snapshot's quotes. */
export function runSanity(input: SanityInput, opts: SanityOptions): SanityReport {
  const issues: SanityIssue[] = [];
  const all: string[] = [];
  for (const chain of input.chains) {
    for (const q of chain.options) {
      all.push(q.instrument.symbol);
      issues.push(...checkOption(q, opts));
    }
    issues.push(...checkParity(chain, opts));
  }
  if (input.perp) {
    all.push(input.perp.instrument.symbol);
    issues.push(...checkPerp(input.perp, opts));
  }
  for (const f of input.futures) {
    all.push(f.instrument.symbol);
    issues.push(...checkFuture(f, opts));
  }
  for (const u of input.unknown ?? []) {
    issues.push({
      symbol: u,
      reason: 'unknown-instrument',
      detail: 'in the venue payload but not among listed instruments',
    });
  }
  const flagged = new Set(issues.map((i) => i.symbol));
  return { issues, usableForHedging: new Set(all.filter((s) => !flagged.has(s))) };
}

/** The options of a chain that passed every check. */
export function usableOptions(chain: Chain, usable: ReadonlySet<string>): OptionQuote[] {
  return chain.options.filter((q) => usable.has(q.instrument.symbol));
}
