/**
 * Option suggestions between tickets: for each scope (a position, or a market's whole book) the legs the ticket
 * engine would trade, from the same MIP as the tickets. Hysteresis: a scope is re-solved only when there is no
 * suggestion yet, when its band has just been breached, or when the holdings changed; a breach within
 * `MIN_RESOLVE_INTERVAL_MS` of the last solve waits for it, so a price hovering at the band's edge neither re-solves
 * every tick nor flips the suggestion between a put and a call. Solves run one at a time, off the tick (each
 * blocks the event loop for the MIP's milliseconds, and the stream's pushes must not wait behind a queue of them).
 */
import type { TicketLeg } from '../../hedging/index.js';
import type { Proposal } from './deskApi.js';
import type { BandState, Suggestion } from './hedgeState.js';

/** Shortest wall-clock time between two band-breach re-solves of one scope. */
export const MIN_RESOLVE_INTERVAL_MS = 10_000;
/** Pause between two solves of the queue: leaves the event loop to the ticks in between. */
export const SOLVE_GAP_MS = 25;

interface Slot {
  value: Suggestion | null;
  heldVersion: number;
  lastBand: BandState['status'] | null;
  inFlight: boolean;
  /** A trigger that arrived while the scope was cooling down or solving: served by a later tick. */
  pending: Suggestion['reason'] | null;
  solvedAtMs: number;
}

export class SuggestionScheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly solving = new Set<Promise<unknown>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly solve: (scope: string[] | undefined) => Promise<Proposal>,
    private readonly now: () => number,
  ) {}

  /** The latest suggestion of `key`; schedules a re-solve when a trigger (see above) is due. */
  update(key: string, band: BandState['status'], heldVersion: number, scope: string[] | undefined): Suggestion | null {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { value: null, heldVersion: -1, lastBand: null, inFlight: false, pending: null, solvedAtMs: -Infinity };
      this.slots.set(key, slot);
    }
    const breachedNow = band === 'breach' && slot.lastBand !== 'breach';
    slot.lastBand = band;
    const trigger: Suggestion['reason'] | null =
      slot.heldVersion === -1
        ? 'start'
        : slot.heldVersion !== heldVersion
          ? 'holdings-changed'
          : breachedNow
            ? 'band-breach'
            : null;
    if (trigger) slot.pending = trigger;
    const cooling = slot.pending === 'band-breach' && this.now() - slot.solvedAtMs < MIN_RESOLVE_INTERVAL_MS;
    if (slot.pending && !slot.inFlight && !cooling) this.schedule(slot, slot.pending, heldVersion, scope);
    return slot.value;
  }

  private schedule(slot: Slot, reason: Suggestion['reason'], heldVersion: number, scope: string[] | undefined): void {
    slot.inFlight = true;
    slot.pending = null;
    slot.heldVersion = heldVersion;
    // A timer, not setImmediate: the stream flushes this tick's frames in the check phase, before the solve runs.
    const run = this.queue
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, SOLVE_GAP_MS)))
      .then(() => this.solve(scope))
      .then(
        (proposal) => {
          slot.value = { legs: proposal.ticket.legs.map(suggestionLeg), solvedAtSeq: proposal.marketState.seq, reason };
        },
        (error: unknown) => {
          slot.value = { legs: [], solvedAtSeq: slot.value?.solvedAtSeq ?? 0, reason, error: (error as Error).message };
        },
      )
      .finally(() => {
        slot.inFlight = false;
        slot.solvedAtMs = this.now();
        this.solving.delete(run);
      });
    this.queue = run;
    this.solving.add(run);
  }

  /** Resolves once no suggestion is being solved (tests and benchmarks measure the steady state after it). */
  async idle(): Promise<void> {
    while (this.solving.size > 0) await Promise.allSettled([...this.solving]);
  }
}

function suggestionLeg(leg: TicketLeg): Suggestion['legs'][number] {
  return {
    instrument: leg.instrument,
    kind: leg.kind,
    side: leg.side,
    contracts: leg.side === 'buy' ? leg.contracts : -leg.contracts,
    baseAmount: leg.baseAmount,
  };
}
