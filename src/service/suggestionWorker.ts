/**
 * The suggestion worker: makes tickets from cloned ticket requests off the service's event loop. The ticket MIP
 * takes 10-25 ms; on the main thread every solve held the stream's pushes back by as much (the tick-to-push p99).
 * The same `makeTicket` as the tickets, on a structured clone of the same inputs: the same legs.
 */
import { parentPort } from 'node:worker_threads';
import { makeTicket, type TicketLeg, type TicketRequest } from '../../hedging/index.js';
import type { MarketSnapshot } from '../../adapters/index.js';
import { WORKER_MARKETS } from './suggestions.js';

export interface SolveMessage {
  id: number;
  /** The snapshot the request is priced on: sent with the first request that uses it, then referred to by id. */
  marketId: number;
  market?: MarketSnapshot;
  request: Omit<TicketRequest, 'market'>;
}

export type SolveReply = { id: number; legs: TicketLeg[] } | { id: number; error: string };

/** The newest snapshots by id, as many as the main thread assumes (`WORKER_MARKETS`). */
const markets = new Map<number, MarketSnapshot>();

parentPort?.on('message', (message: SolveMessage) => {
  if (message.market) {
    markets.set(message.marketId, message.market);
    for (const key of markets.keys()) if (key <= message.marketId - WORKER_MARKETS) markets.delete(key);
  }
  const market = markets.get(message.marketId);
  if (!market) {
    parentPort!.postMessage({ id: message.id, error: `snapshot ${message.marketId} is no longer held` });
    return;
  }
  makeTicket({ ...message.request, market }).then(
    (ticket) => parentPort!.postMessage({ id: message.id, legs: ticket.legs } satisfies SolveReply),
    (error: unknown) =>
      parentPort!.postMessage({
        id: message.id,
        error: (error as Error).message ?? String(error),
      } satisfies SolveReply),
  );
});
