/**
 * Keeps the running book in step with the store. The store is asynchronous (and may be shared by several
 * instances, store/sql.ts); the book (DeskBook) reads its positions and holdings synchronously on every tick. So the
 * book holds the last copy read from the store, and that copy is re-read:
 *
 * - at once after this instance writes (the route awaits it, so a response is followed by a book that shows it);
 * - on every change the store announces, this instance's or another's (PostgreSQL `LISTEN/NOTIFY`), so a fill or a
 *   position recorded through another instance reaches this one's book and streams within a second.
 *
 * Re-reads are coalesced: while one runs, further requests are folded into one more run after it, so a burst of
 * changes costs two reads, and a read that started before a change never overwrites the copy read after it.
 */
import type { Holding } from '../../hedging/ledger.js';
import type { Store, StoreChange } from './store/index.js';
import type { StoredPosition } from './types.js';

/** `run` made single-flight: calls during a run share one further run after it; every caller awaits its effect. */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  return () => {
    if (!running) {
      running = run().finally(() => (running = null));
      return running;
    }
    again ??= running
      .catch(() => undefined)
      .then(() => {
        again = null;
        running = run().finally(() => (running = null));
        return running;
      });
    return again;
  };
}

export interface BookSync {
  /** The holdings as last read (what the book's `holdings()` callback returns). */
  holdings(): readonly Holding[];
  /** Re-reads the ledger, then tells the book. */
  refreshHoldings(): Promise<void>;
  /** Re-reads the positions, then tells the book. */
  refreshPositions(): Promise<void>;
  /** Stops listening to the store. */
  stop(): void;
}

export function createBookSync(
  store: Store,
  apply: {
    positions: (positions: readonly StoredPosition[]) => void;
    holdings: () => void;
    /** Keys changed (a revoke or rotation, here or on another instance): cached verifications are dropped. */
    keys: () => void;
    /** Something else changed (orders, the kill switch, config) or a resync is due. */
    other?: (change: StoreChange) => void;
    onError: (error: unknown, what: string) => void;
  },
): BookSync {
  let held: readonly Holding[] = [];
  const refreshHoldings = coalesced(async () => {
    held = await store.listHoldings();
    apply.holdings();
  });
  const refreshPositions = coalesced(async () => apply.positions(await store.listPositions()));
  const quietly = (refresh: () => Promise<void>, what: string) =>
    refresh().catch((error: unknown) => apply.onError(error, what));
  const unsubscribe = store.onChange((change) => {
    if (change.kind === 'fill') void quietly(refreshHoldings, 'refreshing the holdings after a change');
    else if (change.kind === 'position') void quietly(refreshPositions, 'refreshing the positions after a change');
    else if (change.kind === 'key') apply.keys();
    else if (change.kind === 'config') {
      // A config reload, or a resync after the notification channel was lost: re-read everything.
      apply.keys();
      void quietly(refreshPositions, 'refreshing the positions after a resync');
      void quietly(refreshHoldings, 'refreshing the holdings after a resync');
    }
    apply.other?.(change);
  });
  return { holdings: () => held, refreshHoldings, refreshPositions, stop: unsubscribe };
}
