/**
 * Option suggestions between tickets: for each scope (a position, or a market's whole book) the legs the ticket
 * engine would trade, from the same MIP as the tickets. Hysteresis: a scope is re-solved only when there is no
 * suggestion yet, when its band has just been breached, or when the holdings changed; a breach within
 * `MIN_RESOLVE_INTERVAL_MS` of the last solve waits for it, so a price hovering at the band's edge neither re-solves
 * every tick nor flips the suggestion between a put and a call. Solves run one at a time in a worker thread
 * (`suggestionWorker.ts`): a MIP takes 10-25 ms, and on the service's event loop every solve held the stream's
 * pushes back by as much.
 */
import { Worker } from 'node:worker_threads';
import { makeTicket, type TicketLeg } from '../../hedging/index.js';
import type { PreparedProposal } from './deskBook.js';
import type { BandState, Suggestion } from './hedgeState.js';
import type { SolveReply } from './suggestionWorker.js';
import { compiledWorkerFile } from './workerFile.js';

/** The compiled worker (null without a build: the solves then run on this thread). */
function workerFile(): string | null {
  return compiledWorkerFile('suggestionWorker.js');
}

/** How many snapshots the worker keeps (the newest); an older one is sent again. */
export const WORKER_MARKETS = 4;
/** A worker with nothing to solve for this long is stopped (started again on the next solve). */
export const WORKER_IDLE_MS = 2_000;

/** Makes tickets in a worker thread, one request at a time, in order. */
class SolveWorker {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (legs: TicketLeg[]) => void; reject: (e: Error) => void }>();

  constructor(private readonly file: string) {}

  private start(): Worker {
    const worker = new Worker(this.file);
    worker.unref();
    worker.on('message', (reply: SolveReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) w.reject(new Error(reply.error));
      else w.resolve(reply.legs);
    });
    const fail = (error: Error) => {
      // Only this worker's requests: a worker stopped when idle may already have a successor.
      if (this.worker !== worker && this.worker !== null) return;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the suggestion worker stopped (exit ${code})`)));
    return worker;
  }

  /** Ids of the snapshots the worker holds (the last few): a snapshot crosses once, not once per solve. */
  private readonly marketIds = new WeakMap<object, number>();
  private nextMarket = 1;

  private idleTimer: NodeJS.Timeout | null = null;

  /**
   * An idle worker is stopped after `WORKER_IDLE_MS`: its heap (HiGHS, the snapshots) costs the two-core machine
   * collector time between solves, and suggestions come in bursts (start, holdings changes) seconds apart.
   */
  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.waiting.size === 0) void this.close();
    }, WORKER_IDLE_MS);
    this.idleTimer.unref();
  }

  solve(request: PreparedProposal['ticketRequest']): Promise<TicketLeg[]> {
    if (!this.worker) {
      this.worker = this.start();
      this.nextMarket += WORKER_MARKETS; // a new worker holds no snapshot: every id before this is stale
    }
    const id = this.next++;
    return new Promise<TicketLeg[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const m = request.market;
      let marketId = this.marketIds.get(m);
      let market: object | undefined;
      if (marketId === undefined || marketId <= this.nextMarket - WORKER_MARKETS) {
        marketId = this.nextMarket++;
        this.marketIds.set(m, marketId);
        // Only the snapshot's plain data crosses: a loaded snapshot's instrument index (class instances) stays here.
        market = {
          venue: m.venue,
          underlying: m.underlying,
          source: m.source,
          chains: m.chains,
          perp: m.perp,
          futures: m.futures,
          index: m.index,
          issues: m.issues,
          usableForHedging: m.usableForHedging,
        };
      }
      const { market: _market, ...rest } = request;
      this.worker!.postMessage({ id, marketId, ...(market ? { market } : {}), request: rest });
    }).finally(() => this.armIdle());
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

/** Shortest wall-clock time between two band-breach re-solves of one scope. */
export const MIN_RESOLVE_INTERVAL_MS = 30_000;
/** Pause between two solves of the queue: leaves the event loop to the ticks in between. */
export const SOLVE_GAP_MS = 100;

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
  private readonly worker: SolveWorker | null;
  /** Called when a suggestion lands (the states that show it are recomputed then, not at the next tick). */
  onSolved: (() => void) | null = null;

  constructor(
    private readonly prepare: (scope: string[] | undefined) => PreparedProposal,
    private readonly now: () => number,
    file: string | null = workerFile(),
  ) {
    this.worker = file ? new SolveWorker(file) : null;
  }

  /** The legs a ticket of `scope` would trade, and the market state they were solved on. */
  private async solve(scope: string[] | undefined): Promise<{ legs: TicketLeg[]; seq: number }> {
    const prepared = this.prepare(scope);
    const legs = this.worker
      ? await this.worker.solve(prepared.ticketRequest)
      : (await makeTicket(prepared.ticketRequest)).legs;
    return { legs, seq: prepared.marketState.seq };
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }

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
        ({ legs, seq }) => {
          slot.value = { legs: legs.map(suggestionLeg), solvedAtSeq: seq, reason };
          this.onSolved?.();
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

  /** Drops every suggestion (a config reload changed the policy they were solved under): each scope solves again. */
  forget(): void {
    this.slots.clear();
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
