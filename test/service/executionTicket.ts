/**
 * The approved ticket the order-manager tests execute against the fake Deribit (`helpers/fakeDeribit.ts`): puts 4
 * contracts (delta -0.2), calls 2 (delta +0.1), the perp sold 1000 (delta -1000 x 10 / 75795). The perp's delta per
 * contract is 1.31935e-4, so with the call half filled the perp is re-sized to 1000 - 0.5 x 0.1 / 1.31935e-4 = 621.
 */
import type { Store, StoredTicket, StoredTicketLeg } from '../../src/service/store/index.js';

export const PUT = 'BTC-29MAY26-75000-P';
export const CALL = 'BTC-29MAY26-77000-C';
export const PERP = 'BTC-PERPETUAL';

const option = (instrument: string, contracts: number, limitPrice: number): StoredTicketLeg => ({
  venue: 'deribit',
  underlying: 'BTC',
  instrument,
  kind: 'option',
  side: 'buy',
  contracts,
  limitPrice,
  feesQuote: 1,
  contractSize: 1,
  contractValueQuote: null,
  priceCurrency: 'BTC',
});

const perpLeg = (contracts: number): StoredTicketLeg => ({
  venue: 'deribit',
  underlying: 'BTC',
  instrument: PERP,
  kind: 'perp',
  side: 'sell',
  contracts,
  limitPrice: 75_795,
  feesQuote: 1,
  contractSize: null,
  contractValueQuote: 10,
  priceCurrency: 'USD',
});

/** The ticket above, proposed by `key:proposer` and approved by `key:approver`. */
export async function approvedTicket(store: Store): Promise<StoredTicket> {
  const legs = [option(PUT, 4, 0.0075), option(CALL, 2, 0.005), perpLeg(1000)];
  const content = {
    ticket: {
      legs: [
        { instrument: PUT, delta: -0.2 },
        { instrument: CALL, delta: 0.1 },
        { instrument: PERP, delta: (-1000 * 10) / 75_795 },
      ],
    },
  };
  const ticket = await store.createTicket({ mode: 'dynamic', positionIds: [], content, actor: 'key:proposer', legs });
  return store.approveTicket(ticket.id, 'key:approver', { fourEyes: true });
}
