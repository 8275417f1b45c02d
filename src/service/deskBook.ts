/**
 * The desk's book in the service: the LP positions (each with the policy that applies to it), the hedges held (the
 * ledger's holdings) and the markets, put through the hedging layer's one engine. Every tick it values each
 * position with its own hedges and each market's whole book (`netBook`: LP, holdings, net Greeks, the band on the
 * net delta, the perp contracts in lots that bring it back to target), and keeps, between tickets, an option
 * suggestion from the ticket engine itself (the same MIP), re-solved only when the band is breached or the held set
 * changes, so the suggestion does not flip between a call and a put on a small move. Tickets come from the same
 * positions, holdings, market state and policy, so what the stream shows is what a ticket would say.
 *
 * Venue balances (collateral, deskBalances.ts) belong to the market's book (its `collateral` section, in `net` and
 * so in `toTrade`) and to tickets of the whole market, not to one position's own view.
 *
 * Scopes: a hedge belongs to the positions of the ticket that bought it (its `scope`); a position's own view counts
 * the hedges whose scope is that position alone; a market's book counts every hedge on it; a ticket for positions P
 * counts the hedges whose scope lies within P (all of the market's for a ticket of the whole market).
 */
import {
  InvalidHedgeInputError,
  UnknownPositionError,
  findQuote,
  lpBookPosition,
  makeTicket,
  greeksView,
  netBook,
  marketContext as netBookMarketContext,
  resolvePolicy,
  withPolicyOverrides,
  type BookPosition,
  type Holding,
  type HedgePolicy,
  type MarketContext,
  type NetBook,
  type Ticket,
} from '../../hedging/index.js';
import { linearMark } from '../../hedging/book.js';
import { payoffCurves, type PayoffCurves } from '../../hedging/payoff.js';
import { SuggestionScheduler } from './suggestions.js';
import type { DeskBookApi, InstrumentInfo, Proposal, ProposeRequest } from './deskApi.js';
import { emptyPositionState } from './hedgeState.js';
import type { BookHedgeState, MarketBookState, PositionHedgeState, Suggestion } from './hedgeState.js';
import { marketKey } from './types.js';
import type { FeedSnapshot, StoredPosition } from './types.js';
import { DeskBalances } from './deskBalances.js';
import type { MarketSnapshot } from '../../adapters/index.js';

import { NoMarketError } from './deskErrors.js';

export { NO_MARKET, NoMarketError } from './deskErrors.js';

interface DeskPosition {
  stored: Extract<StoredPosition, { kind: 'lp' }>;
  market: string;
  policy: HedgePolicy;
  /** The LP as the book holds it, or null when it cannot be built (the error says why). */
  book: Extract<BookPosition, { kind: 'lp' }> | null;
  error: string | null;
}

export interface PreparedProposal {
  /** The hedging layer's ticket request: plain data, so a worker thread can make the ticket from a clone. */
  ticketRequest: {
    positions: BookPosition[];
    market: MarketSnapshot;
    asOfMs: number;
    mode: 'dynamic' | 'static';
    policy: HedgePolicy;
  };
  policy: HedgePolicy;
  positionIds: string[];
  snapshot: FeedSnapshot;
  marketState: Proposal['marketState'];
}

export interface DeskBookOptions {
  /** The desk's policy (the config's): the book's, and the base every position's own policy overrides. */
  deskPolicy?: HedgePolicy;
  markets: () => ReadonlyMap<string, FeedSnapshot>;
  holdings: () => readonly Holding[];
  /** Wall clock, ms (quote age). */
  now: () => number;
  /** Market data older than this (wall ms since receipt plus the data's own lag) is stale: not hedged on. */
  maxQuoteAgeMs: number;
  /** Keep option suggestions on the stream (the MIP between tickets); default on. */
  suggestions?: boolean;
  onError?: (error: unknown) => void;
}

function bookHolding(h: Holding): BookPosition {
  // The average entry lets a coin balance count an inverse perp's unrealised coin P&L (hedging/collateral.ts).
  return {
    id: h.id,
    kind: h.kind,
    venue: h.venue,
    instrument: h.instrument,
    contracts: h.netContracts,
    averagePrice: h.averagePrice,
  };
}

/**
 * The book position of each holding, made once per read of the ledger: the same object every tick, so a holding in
 * a position's book and in its market's book is valued once per tick (`MarketContext.rows`).
 */
const bookHoldings = new WeakMap<Holding, BookPosition>();
function bookHoldingOf(h: Holding): BookPosition {
  let b = bookHoldings.get(h);
  if (!b) {
    b = bookHolding(h);
    bookHoldings.set(h, b);
  }
  return b;
}

export class DeskBook implements DeskBookApi {
  /** The desk's policy; replaced only by a config reload (`reconfigure`). */
  private policy: HedgePolicy;
  private positions: DeskPosition[] = [];
  private readonly balances = new DeskBalances();
  private stored: readonly StoredPosition[] = [];
  private byId = new Map<string, DeskPosition>();
  private held: Holding[] = [];
  private heldVersion = 0;
  private readonly states = new Map<string, PositionHedgeState>();
  private readonly marketStates = new Map<string, MarketBookState>();
  private readonly scheduler: SuggestionScheduler | null;

  constructor(private readonly options: DeskBookOptions) {
    this.policy = options.deskPolicy ?? resolvePolicy({});
    this.scheduler =
      options.suggestions === false
        ? null
        : new SuggestionScheduler(
            (scope) => this.prepare({ mode: 'dynamic', ...(scope ? { positionIds: scope } : {}) }),
            options.now,
          );
    this.refreshHoldings();
  }

  get deskPolicy(): HedgePolicy {
    return this.policy;
  }

  /**
   * A config reload (configReload.ts): the desk's new policy. Suggestions solved under the old one are dropped and
   * solved again on the next tick; `setPositions` (the caller's next step) resolves every position's policy on it.
   */
  reconfigure(deskPolicy: HedgePolicy): void {
    this.policy = deskPolicy;
    this.scheduler?.forget();
  }

  // ---- the book's contents -------------------------------------------------------------------------------------

  setPositions(stored: readonly StoredPosition[]): void {
    this.stored = [...stored];
    this.balances.set(stored);
    const lps = stored.filter((p): p is Extract<StoredPosition, { kind: 'lp' }> => p.kind === 'lp');
    this.positions = lps.map((p) => {
      const market = marketKey(p.venue, p.underlying);
      try {
        const policy = withPolicyOverrides(this.deskPolicy, p.policy);
        return { stored: p, market, policy, book: lpBookPosition(p.id, p), error: null };
      } catch (error) {
        return { stored: p, market, policy: this.deskPolicy, book: null, error: (error as Error).message };
      }
    });
    this.byId = new Map(this.positions.map((p) => [p.stored.id, p]));
    for (const id of [...this.states.keys()]) if (!this.byId.has(id)) this.states.delete(id);
  }

  /** Every stored position: LP positions and balances. */
  getPositions(): readonly StoredPosition[] {
    return this.stored;
  }

  /**
   * Called after the holdings were re-read or a suggestion landed: the hub recomputes every state on the current
   * markets (without a push; the next tick pushes).
   */
  onBookChanged: (() => void) | null = null;

  refreshHoldings(): void {
    const all = this.options.holdings();
    this.held = all.filter((h) => h.netContracts !== 0);
    this.balances.setHoldings(all); // flat holdings too: their fills moved the balances
    this.heldVersion++;
    this.onBookChanged?.();
  }

  holdings(): readonly Holding[] {
    return this.held;
  }

  // ---- per tick --------------------------------------------------------------------------------------------------

  private quoteAgeMs(snapshot: FeedSnapshot): number {
    const sinceReceipt = Math.max(0, this.options.now() - snapshot.receivedAtMs);
    const dataLag = Math.max(0, snapshot.asOfMs - snapshot.market.source.dataTimeMs);
    return sinceReceipt + dataLag;
  }

  /**
   * Holdings of `market` whose instrument the market lists (the rest are reported, not valued), and those of them
   * whose scope is one position alone, by that position (a position's own view), in ledger order.
   */
  private heldOn(
    market: string,
    snapshot: FeedSnapshot,
  ): { priced: Holding[]; missing: string[]; ownBy: Map<string, BookPosition[]> } {
    const priced: Holding[] = [];
    const missing: string[] = [];
    const ownBy = new Map<string, BookPosition[]>();
    for (const h of this.held) {
      if (marketKey(h.venue, h.underlying) !== market) continue;
      if (!findQuote(snapshot.market, h.instrument)) {
        missing.push(h.instrument);
        continue;
      }
      priced.push(h);
      if (h.scope.length !== 1) continue;
      const own = ownBy.get(h.scope[0]!);
      if (own) own.push(bookHoldingOf(h));
      else ownBy.set(h.scope[0]!, [bookHoldingOf(h)]);
    }
    return { priced, missing, ownBy };
  }

  /** Recomputes every position of `market` and the market's book on `snapshot`; returns the positions' states. */
  tick(market: string, snapshot: FeedSnapshot | undefined): PositionHedgeState[] {
    const out: PositionHedgeState[] = [];
    const mine = this.positions.filter((p) => p.market === market);
    if (!snapshot) {
      for (const p of mine) out.push(this.remember(this.emptyState(p, null, 'no-market', 'no market data')));
      this.marketStates.delete(market);
      return out;
    }
    const ageMs = this.quoteAgeMs(snapshot);
    const stale = snapshot.stale === true || ageMs > this.options.maxQuoteAgeMs;
    let ctx: MarketContext;
    try {
      ctx = netBookMarketContext(snapshot.market, snapshot.asOfMs);
    } catch (error) {
      for (const p of mine)
        out.push(this.remember(this.emptyState(p, snapshot, 'no-market', (error as Error).message)));
      this.marketStates.delete(market);
      return out;
    }
    const { priced, missing, ownBy } = this.heldOn(market, snapshot);
    const missingNote = missing.length ? `held but not listed on the market: ${missing.join(', ')}` : null;
    for (const p of mine) {
      if (!p.book) {
        out.push(this.remember(this.emptyState(p, snapshot, 'no-market', p.error ?? 'position cannot be built')));
        continue;
      }
      const own = ownBy.get(p.stored.id) ?? [];
      try {
        const book = netBook([p.book, ...own], ctx, p.policy);
        const note = [missingNote, book.toTradeUnavailable].filter(Boolean).join('; ') || null;
        out.push(this.remember(this.stateOf(p, snapshot, book, ageMs, stale, note, [p.stored.id])));
      } catch (error) {
        this.options.onError?.(error);
        out.push(this.remember(this.emptyState(p, snapshot, 'no-market', (error as Error).message)));
      }
    }
    this.marketStates.set(market, this.marketBook(market, snapshot, ctx, mine, priced, ageMs, stale));
    return out;
  }

  private remember(state: PositionHedgeState): PositionHedgeState {
    this.states.set(state.positionId, state);
    return state;
  }

  private marketBook(
    market: string,
    snapshot: FeedSnapshot,
    ctx: MarketContext,
    mine: DeskPosition[],
    priced: Holding[],
    ageMs: number,
    stale: boolean,
  ): MarketBookState {
    const lps = mine.flatMap((p) => (p.book ? [p.book] : []));
    const balances = this.balances.on(market, snapshot);
    const book = netBook([...lps, ...priced.map(bookHoldingOf), ...balances.book], ctx, this.deskPolicy);
    const suggestion = stale ? null : this.suggest(`market:${market}`, book, undefined);
    return {
      price: book.price,
      lp: book.lp,
      holdings: book.holdings,
      collateral: book.collateral,
      net: book.net,
      balances: book.balances,
      carry: book.carry,
      band: stale ? { ...book.band, status: 'stale' } : book.band,
      toTrade: stale ? null : book.toTrade,
      suggestion,
      stale,
      quoteAgeMs: ageMs,
      positions: mine.length,
      ...(balances.errors.length ? { error: balances.errors.join('; ') } : {}),
    };
  }

  private stateOf(
    p: DeskPosition,
    snapshot: FeedSnapshot,
    book: NetBook,
    ageMs: number,
    stale: boolean,
    note: string | null,
    scope: string[],
  ): PositionHedgeState {
    const suggestion = stale ? null : this.suggest(p.stored.id, book, scope);
    return {
      positionId: p.stored.id,
      name: p.stored.label ?? p.stored.id,
      market: p.market,
      seq: snapshot.seq,
      asOfMs: snapshot.asOfMs,
      source: snapshot.source,
      price: book.price,
      lp: book.lp,
      holdings: book.holdings,
      net: book.net,
      carry: book.carry,
      // Stale data is not hedged on: the numbers stay visible as of their time, nothing to trade is offered.
      band: stale ? { ...book.band, status: 'stale' } : book.band,
      toTrade: stale ? null : book.toTrade,
      suggestion,
      quoteAgeMs: ageMs,
      stale,
      ...(note ? { error: note } : {}),
    };
  }

  private emptyState(p: DeskPosition, snapshot: FeedSnapshot | null, status: 'no-market', error: string) {
    const { id, label } = p.stored;
    return emptyPositionState({ id, name: label ?? id, market: p.market, policy: p.policy }, snapshot, status, error);
  }

  // ---- option suggestions between tickets (suggestions.ts) ---------------------------------------------------

  private suggest(key: string, book: NetBook, scope: string[] | undefined): Suggestion | null {
    if (!this.scheduler) return null;
    return this.scheduler.update(key, book.band.status, this.heldVersion, scope);
  }

  /** Resolves once no suggestion is being solved (tests and benchmarks measure the steady state after it). */
  async idle(): Promise<void> {
    await this.scheduler?.idle();
  }

  /** Stops the suggestion worker (shutdown). */
  async close(): Promise<void> {
    await this.scheduler?.close();
  }

  // ---- reads -----------------------------------------------------------------------------------------------------

  state(positionId: string): PositionHedgeState | undefined {
    return this.states.get(positionId);
  }

  bookState(seq: number, asOfMs: number): BookHedgeState {
    const byUnderlying: Record<string, MarketBookState> = {};
    let valueQuote = 0;
    let bandBreaches = 0;
    for (const [market, state] of this.marketStates) {
      byUnderlying[market] = state;
      valueQuote += state.net.valueQuote;
      if (state.band.status === 'breach') bandBreaches++;
    }
    return { seq, asOfMs, positions: this.positions.length, valueQuote, bandBreaches, byUnderlying };
  }

  // ---- tickets ---------------------------------------------------------------------------------------------------

  private policyFor(positions: DeskPosition[], wholeMarket: boolean): HedgePolicy {
    if (wholeMarket && positions.length > 1) return this.deskPolicy;
    const first = positions[0]!.policy;
    const text = JSON.stringify(first);
    const other = positions.find((p) => JSON.stringify(p.policy) !== text);
    if (other) {
      throw new InvalidHedgeInputError(
        'positionIds',
        positions.map((p) => p.stored.id),
        `positions ${positions[0]!.stored.id} and ${other.stored.id} have different policies: ticket them apart, or ticket the whole market under the desk policy`,
      );
    }
    return first;
  }

  async propose(request: ProposeRequest, at?: FeedSnapshot): Promise<Proposal> {
    const prepared = this.prepare(request, at);
    return this.proposalOf(prepared, await makeTicket(prepared.ticketRequest));
  }

  /** What a ticket of `request` is made from: the positions and holdings in scope, the policy, the market state. */
  prepare(request: ProposeRequest, at?: FeedSnapshot): PreparedProposal {
    let chosen: DeskPosition[];
    if (request.positionIds) {
      if (request.positionIds.length === 0)
        throw new InvalidHedgeInputError('positionIds', request.positionIds, 'must name at least one position');
      chosen = request.positionIds.map((id, i) => {
        const p = this.byId.get(id);
        if (p) return p;
        // A balance is collateral, not hedged itself: a ticket of the whole market counts it.
        const what = this.stored.some((s) => s.id === id && s.kind === 'balance')
          ? 'is a balance, not an LP'
          : 'not found';
        throw new UnknownPositionError(`positionIds[${i}]: position ${id} ${what}`);
      });
    } else {
      const markets = [...new Set(this.positions.map((p) => p.market))];
      if (markets.length !== 1) {
        throw new InvalidHedgeInputError(
          'positionIds',
          undefined,
          `the book spans ${markets.length} markets (${markets.join(', ')}): name the positions to hedge`,
        );
      }
      chosen = [...this.positions];
    }
    const markets = [...new Set(chosen.map((p) => p.market))];
    if (markets.length !== 1) {
      throw new InvalidHedgeInputError(
        'positionIds',
        request.positionIds,
        `one ticket hedges one market; these positions span ${markets.join(', ')}`,
      );
    }
    const market = markets[0]!;
    for (const p of chosen) {
      if (!p.book) throw new InvalidHedgeInputError(`positions.${p.stored.id}`, p.stored, p.error ?? 'cannot be built');
    }
    const snapshot = at ?? this.options.markets().get(market);
    if (!snapshot) throw new NoMarketError(`no market data for ${market}`);
    const onMarket = this.positions.filter((p) => p.market === market);
    const ids = chosen.map((p) => p.stored.id).sort();
    const wholeMarket = onMarket.every((p) => ids.includes(p.stored.id));
    const { priced } = this.heldOn(market, snapshot);
    const inScope = priced.filter(
      (h) => wholeMarket || (h.scope.every((id) => ids.includes(id)) && h.scope.length > 0),
    );
    // The market's balances are its whole book's: a ticket of the whole market counts them, one of some positions not.
    const balances = wholeMarket ? this.balances.on(market, snapshot) : { book: [], errors: [] };
    if (balances.errors.length) throw new InvalidHedgeInputError('balances', market, balances.errors.join('; '));
    const positions: BookPosition[] = [...chosen.map((p) => p.book!), ...inScope.map(bookHolding), ...balances.book];
    const base = this.policyFor(chosen, wholeMarket);
    const policy = withPolicyOverrides(base, request.policyOverrides);
    return {
      ticketRequest: { positions, market: snapshot.market, asOfMs: snapshot.asOfMs, mode: request.mode, policy },
      policy,
      positionIds: ids,
      snapshot,
      marketState: {
        market,
        seq: snapshot.seq,
        asOfMs: snapshot.asOfMs,
        source: snapshot.source,
        label: snapshot.label,
      },
    };
  }

  /** The proposal of a prepared request and the ticket made from it (here, or in the suggestion worker). */
  proposalOf(prepared: PreparedProposal, ticket: Ticket): Proposal {
    const { ticketRequest, policy, positionIds: ids, snapshot, marketState } = prepared;
    const book = netBook(ticketRequest.positions, netBookMarketContext(snapshot.market, snapshot.asOfMs), policy);
    return {
      content: {
        engine: 'hedging',
        marketState,
        ticket,
        book: { before: book.net, after: greeksView(ticket.after), band: book.band, toTrade: book.toTrade },
      },
      ticket,
      policy,
      positionIds: ids,
      marketState,
    };
  }

  instrument(venue: string, underlying: string, instrument: string): InstrumentInfo | null {
    const snapshot = this.options.markets().get(marketKey(venue, underlying));
    if (!snapshot) return null;
    const quote = findQuote(snapshot.market, instrument);
    if (!quote) return null;
    const i = quote.instrument;
    let markPrice: number | null;
    if (quote.kind === 'option') markPrice = quote.markSettle;
    else {
      try {
        markPrice = linearMark(quote);
      } catch {
        markPrice = null;
      }
    }
    return {
      kind: quote.kind,
      contractSize: i.contractSize,
      contractValueQuote: i.contractValueQuote,
      priceCurrency: i.priceCurrency,
      lotContracts: i.amountStep,
      markPrice,
    };
  }

  /** Payoff curves of a position with its own hedges held and its current suggestion, at its market's state. */
  payoff(positionId: string): PayoffCurves | null {
    const p = this.byId.get(positionId);
    if (!p?.book) return null;
    const snapshot = this.options.markets().get(p.market);
    if (!snapshot) return null;
    const own = this.heldOn(p.market, snapshot).ownBy.get(positionId) ?? [];
    const suggestion = this.states.get(positionId)?.suggestion?.legs ?? [];
    return payoffCurves(p.book, own, suggestion, snapshot.market, snapshot.asOfMs);
  }
}

export type { Ticket };
