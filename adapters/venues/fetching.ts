/**
 * The REST steps several venues take alike through ccxt's unified methods: loading a venue's options and perps,
 * matching chain entries to the loaded instruments, a perp ticker merged with its funding payload, the quote of the
 * loaded perp and the quotes of a venue without dated futures. Deribit loads and matches its own way (`deribit.ts`).
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, Venue } from '../model.js';
import { field, InstrumentIndex, str, type LoadOptions, type VenueQuotes } from './common.js';

/**
 * Loads the venue's markets (`loadMarkets`, narrowed by the client's options in `client.ts`) and indexes the
 * options and perps of `opts.underlying`.
 */
export async function loadOptionsAndPerps(
  ex: Exchange,
  venue: Venue,
  opts: LoadOptions,
  instrumentFromMarket: (market: Market) => Instrument,
): Promise<InstrumentIndex> {
  const markets = Object.values(await ex.loadMarkets()).filter(
    (m): m is Market => m !== undefined && m.base === opts.underlying && (m.option === true || m.swap === true),
  );
  return new InstrumentIndex(venue, markets.map(instrumentFromMarket));
}

/**
 * Chain entries (ccxt `Option`s) with the loaded instrument each names by venue id (`info[idField]`); the ids of
 * entries that name none are added to `unknown` (reported, never used: P1).
 */
export function knownChainEntries<E extends { info?: unknown }>(
  entries: Iterable<E>,
  idField: string,
  index: InstrumentIndex,
  unknown: string[],
): { id: string; instrument: Instrument; entry: E }[] {
  const known: { id: string; instrument: Instrument; entry: E }[] = [];
  for (const entry of entries) {
    const id = str(field(entry.info, idField));
    if (id === null) continue;
    const instrument = index.find(id);
    if (instrument) known.push({ id, instrument, entry });
    else unknown.push(id);
  }
  return known;
}

/** A perp's ticker with its funding-rate payload merged into `info` (for venues whose ticker has no funding). */
export async function fetchTickerWithFunding(ex: Exchange, symbol: string): Promise<Ticker> {
  const ticker = await ex.fetchTicker(symbol);
  const funding = await ex.fetchFundingRate(symbol);
  return { ...ticker, info: { ...(ticker.info as object), ...(funding.info as object) } };
}

/** The quote of the loaded perp settled in `settle`, fetched by the venue's `fetchQuote`; null when none is loaded. */
export async function loadedPerpQuote(
  index: InstrumentIndex,
  settle: string,
  fetchQuote: (perp: Instrument) => Promise<OptionQuote | PerpQuote | FutureQuote>,
): Promise<PerpQuote | null> {
  const instrument = index.all().find((i) => i.kind === 'perp' && i.settle === settle);
  if (!instrument) return null;
  const q = await fetchQuote(instrument);
  return q.kind === 'perp' ? q : null;
}

/** A venue's quotes without dated futures: the index price is the perp's, else the first option's. */
export function optionsAndPerp(options: OptionQuote[], perp: PerpQuote | null, unknown: string[]): VenueQuotes {
  return { options, perp, futures: [], index: perp?.index ?? options[0]?.index ?? null, unknown };
}
