// The page's shared mutable state: one object, imported by every module that reads or changes it (modules mutate
// its fields; nothing re-assigns it).
export const KEY_STORE = 'ilhedge.key';

export const state = {
  key: sessionStorage.getItem(KEY_STORE),
  positions: [],
  hedges: new Map(),
  book: null,
  markets: new Map(), // market key -> { source, label }
  selected: null,
  tickets: [],
  selectedTicket: null,
  ticketShown: null, // `${id}:${updatedAtMs}` of the ticket detail on screen (the fills form is kept while typing)
  holdings: [],
  ws: null,
  wsGeneration: 0,
  poll: null,
  live: { market: null, xs: [], price: [], delta: [], chart: null, lastSeq: -1 },
  payoffChart: null,
  backtestChart: null,
};
