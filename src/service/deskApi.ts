/**
 * What the routes ask of the desk's book (implemented by `DeskBook`, on the hedging layer): tickets proposed on
 * the current market state with what is held, the contract terms of an instrument, and a refresh after the ledger
 * or the positions change. One engine, one market state, one book behind the stream, the book and the tickets.
 */
import type { ContractTerms, HeldKind } from '../../hedging/ledger.js';
import type { HedgePolicy, HedgePolicyInput, Ticket } from '../../hedging/index.js';

export interface ProposeRequest {
  /** LP positions to hedge; undefined = every LP position of the one market they share. */
  positionIds?: string[];
  mode: 'dynamic' | 'static';
  /** Overrides of the positions' policy for this ticket, as the client sent them. */
  policyOverrides?: HedgePolicyInput;
}

/** Which market state a ticket was priced on: enough to find it again and to say how old it was. */
export interface MarketStateRef {
  market: string;
  seq: number;
  asOfMs: number;
  source: string;
  label: string;
}

export interface Proposal {
  /** The JSON stored as the ticket's content: `{ engine, marketState, ticket, book }`. */
  content: Record<string, unknown>;
  ticket: Ticket;
  /** The policy the ticket was made under (the positions' policy with the overrides). */
  policy: HedgePolicy;
  /** The LP positions the ticket hedges (its scope). */
  positionIds: string[];
  marketState: MarketStateRef;
}

export interface InstrumentInfo extends ContractTerms {
  kind: HeldKind;
  /** Mark in the price currency now, or null. */
  markPrice: number | null;
  /** The venue's order size increment, contracts. */
  lotContracts: number;
}

export interface DeskBookApi {
  propose(request: ProposeRequest): Promise<Proposal>;
  /** Contract terms and mark of a listed instrument on a configured market, or null if it is not listed there. */
  instrument(venue: string, underlying: string, instrument: string): InstrumentInfo | null;
  /** Re-reads the ledger (after fills, entries or closes) and recomputes the book. */
  refreshHoldings(): void;
}
