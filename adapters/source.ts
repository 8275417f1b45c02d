/**
 * One entry point for market data: given a venue, an underlying and a source (`builtin`, `replay:<file>`, `live`),
 * build a ccxt client, load the instruments, fetch the quotes through ccxt's unified methods, group options into
 * chains with their forwards, run the sanity checks and label the result with its source and the data's own time.
 *
 * Replay and built-in data run on their own clock: unless told otherwise `asOfMs` is the data's time, and nothing
 * pretends old data is new (the age against the wall clock is for the caller to show, see `dataAgeMs`).
 */
import type { Exchange } from 'ccxt';
import { builtinRecording } from './builtin/index.js';
import { createCcxtClient } from './client.js';
import { InconsistentMarketError, MarketDataError, ReplayMissError, fromCcxtError } from './errors.js';
import type { Chain, FutureQuote, MarketSnapshot, OptionQuote, PerpQuote, SnapshotSource, Venue } from './model.js';
import { ccxtPackageVersion, readRecordingFile, type Recording } from './recording.js';
import { createReplayClient } from './replayRest.js';
import { runSanity, type SanityOptions, checkFuture, checkOption, checkPerp } from './sanity.js';
import { premiumToQuote, type InstrumentIndex } from './venues/common.js';
import type { VenueQuotes } from './venues/common.js';
import { venueAdapter } from './venues/index.js';

export type SourceSpec = { kind: 'builtin' } | { kind: 'replay'; file: string } | { kind: 'live' };

/** Parses `builtin`, `live` or `replay:<file>`. */
export function parseSourceSpec(text: string): SourceSpec {
  if (text === 'builtin') return { kind: 'builtin' };
  if (text === 'live') return { kind: 'live' };
  if (text.startsWith('replay:') && text.length > 'replay:'.length) return { kind: 'replay', file: text.slice(7) };
  throw new MarketDataError(`--source: expected builtin, live or replay:<file> (got ${JSON.stringify(text)})`);
}

export interface SnapshotRequest {
  venue: Venue;
  underlying: string;
  /** Deribit: settle currency of the options (`USDC` for linear); default the underlying (inverse). */
  settle?: string;
  source: SourceSpec | string;
  /**
   * Time the quotes are judged at (sanity, staleness). Default for builtin/replay: the data's own time (the replay's
   * clock). Required for live: pass the caller's now.
   */
  asOfMs?: number;
  /** Sanity options other than `asOfMs`. */
  sanity?: Omit<SanityOptions, 'asOfMs'>;
  /** Use this ccxt client instead of building one (tests); must match the source. */
  client?: Exchange;
}

/** A snapshot plus the loaded instruments (to resolve symbols). */
export interface LoadedSnapshot extends MarketSnapshot {
  instruments: InstrumentIndex;
  /** The time the sanity checks used. */
  asOfMs: number;
}

interface OpenedSource {
  client: Exchange;
  kind: SnapshotSource['kind'];
  label: string;
  recording: Recording | null;
}

function openSource(req: SnapshotRequest): OpenedSource {
  const spec = typeof req.source === 'string' ? parseSourceSpec(req.source) : req.source;
  const underlyings = [req.underlying];
  if (spec.kind === 'builtin') {
    const { dataset, recording } = builtinRecording(req.venue, req.underlying);
    const client = req.client ?? createReplayClient(recording, { label: `builtin ${dataset.file}`, underlyings });
    return { client, kind: 'builtin', label: dataset.label, recording };
  }
  if (spec.kind === 'replay') {
    const recording = readRecordingFile(spec.file);
    if (recording.venue !== req.venue) {
      throw new MarketDataError(`replay ${spec.file} holds ${recording.venue} data, not ${req.venue}`);
    }
    const client = req.client ?? createReplayClient(recording, { label: spec.file, underlyings });
    const what = recording.label ?? `${recording.venue} recorded ${recording.recordedAt}`;
    return { client, kind: 'replay', label: `replay:${spec.file} (${what})`, recording };
  }
  const client = req.client ?? createCcxtClient({ venue: req.venue, underlyings });
  return { client, kind: 'live', label: `live: ${req.venue} via ccxt ${ccxtPackageVersion()}`, recording: null };
}

/** Releases a client this module built (websocket clients, caches); a failure to close is not the caller's problem. */
async function closeQuietly(client: Exchange): Promise<void> {
  try {
    await client.close();
  } catch {
    // already closed or never opened
  }
}

/** Median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Put-call-parity forward of one expiry from the strikes where call and put are closest in value (near the money,
 * where parity is best determined), zero rates. Linear: `F = K + C - P`; inverse (coin premiums c, p per coin):
 * `c - p = (F - K)/F`, so `F = K / (1 - (c - p))`. `basis` 'mid': mids where both sides are quoted, else marks;
 * 'mark': marks only.
 */
export function parityForward(options: readonly OptionQuote[], basis: 'mid' | 'mark' = 'mid'): number | null {
  const byStrike = new Map<number, { c?: OptionQuote; p?: OptionQuote }>();
  for (const q of options) {
    const K = q.instrument.strike;
    if (K === null) continue;
    const e = byStrike.get(K) ?? {};
    if (q.instrument.optionType === 'call') e.c = q;
    else e.p = q;
    byStrike.set(K, e);
  }
  const price = (q: OptionQuote) =>
    basis === 'mid' && q.bidSettle !== null && q.askSettle !== null ? (q.bidSettle + q.askSettle) / 2 : q.markSettle;
  const candidates: { gap: number; forward: number }[] = [];
  for (const [K, { c, p }] of byStrike) {
    if (!c || !p) continue;
    const cv = price(c);
    const pv = price(p);
    if (cv === null || pv === null) continue;
    const diff = cv - pv;
    const forward = c.instrument.inverse ? (diff < 1 ? K / (1 - diff) : NaN) : K + diff;
    if (Number.isFinite(forward) && forward > 0) candidates.push({ gap: Math.abs(diff), forward });
  }
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.gap - b.gap);
  return median(candidates.slice(0, 3).map((x) => x.forward));
}

function withForward(q: OptionQuote, forward: number): OptionQuote {
  if (q.forward !== null) return q;
  return {
    ...q,
    forward,
    bidQuote: premiumToQuote(q.instrument, q.bidSettle, forward),
    askQuote: premiumToQuote(q.instrument, q.askSettle, forward),
    markQuote: premiumToQuote(q.instrument, q.markSettle, forward),
  };
}

/** Groups option quotes into chains per expiry, each with its forward and how it was obtained. */
export function buildChains(
  venue: Venue,
  underlying: string,
  options: readonly OptionQuote[],
  futures: readonly FutureQuote[],
): Chain[] {
  const groups = new Map<number, OptionQuote[]>();
  for (const q of options) {
    const e = q.instrument.expiryMs;
    if (e === null) continue;
    const list = groups.get(e);
    if (list) list.push(q);
    else groups.set(e, [q]);
  }
  const chains: Chain[] = [];
  for (const [expiryMs, list] of [...groups].sort((a, b) => a[0] - b[0])) {
    const quoted = list.map((q) => q.forward).filter((f): f is number => f !== null);
    const future = futures.find((f) => f.instrument.expiryMs === expiryMs && f.mark !== null);
    let forward: number | null = null;
    let forwardMethod: Chain['forwardMethod'] = 'parity';
    let forwardDetail = '';
    if (quoted.length > 0) {
      // The venue quotes the option's underlying (Deribit `underlying_price`): the future of the expiry when one is
      // listed, else the venue's own synthetic (parity) forward.
      forward = median(quoted);
      forwardMethod = future ? 'future' : 'parity';
      forwardDetail = future
        ? `option underlying_price (future ${future.instrument.venueId} listed)`
        : 'option underlying_price (venue synthetic forward, put-call parity; no future of this expiry)';
    } else if (future && future.mark !== null) {
      forward = future.mark;
      forwardMethod = 'future';
      forwardDetail = `mark of ${future.instrument.venueId}`;
    } else {
      forward = parityForward(list);
      forwardMethod = 'parity';
      forwardDetail = 'put-call parity on the chain (mids near the money, zero rates)';
    }
    if (forward === null) continue; // no forward at all: the options stay out (reported by sanity as no-forward)
    const F = forward;
    const opts = list
      .map((q) => withForward(q, F))
      .sort(
        (a, b) =>
          (a.instrument.strike ?? 0) - (b.instrument.strike ?? 0) ||
          (a.instrument.optionType === 'call' ? -1 : 1) - (b.instrument.optionType === 'call' ? -1 : 1),
      );
    chains.push({
      venue,
      underlying,
      expiryMs,
      expiryIso: new Date(expiryMs).toISOString(),
      forward: F,
      forwardMethod,
      forwardDetail,
      parityForward: parityForward(list, 'mark'),
      options: opts,
    });
  }
  return chains;
}

/** The largest time a JavaScript Date holds (ECMA-262 21.4.1.1): a venue timestamp beyond it is not a date. */
const MAX_DATE_MS = 8.64e15;

/** The data's own time: the newest quote's. A quote whose timestamp is not a date is refused, naming it. */
function latestTime(venue: Venue, q: VenueQuotes): number {
  let t = 0;
  const take = (quote: { instrument: { symbol: string }; timestampMs: number }) => {
    const ts = quote.timestampMs;
    if (!(Number.isFinite(ts) && Math.abs(ts) <= MAX_DATE_MS)) {
      throw new InconsistentMarketError(venue, quote.instrument.symbol, `its timestamp ${ts} is not a date`);
    }
    if (ts > t) t = ts;
  };
  q.options.forEach(take);
  q.futures.forEach(take);
  if (q.perp) take(q.perp);
  return t;
}

/** Normalises already-fetched venue quotes into a snapshot (pure apart from the sanity clock passed in). */
export function assembleSnapshot(
  venue: Venue,
  underlying: string,
  quotes: VenueQuotes,
  source: Omit<SnapshotSource, 'dataTimeMs'> & { dataTimeMs?: number },
  sanity: SanityOptions | ((dataTimeMs: number) => SanityOptions),
): MarketSnapshot {
  const chains = buildChains(venue, underlying, quotes.options, quotes.futures);
  const dataTimeMs = source.dataTimeMs ?? latestTime(venue, quotes);
  const sanityOpts = typeof sanity === 'function' ? sanity(dataTimeMs) : sanity;
  const report = runSanity({ chains, perp: quotes.perp, futures: quotes.futures, unknown: quotes.unknown }, sanityOpts);
  // Options left out of every chain (no forward at all) are findings too.
  const inChains = new Set(chains.flatMap((c) => c.options.map((o) => o.instrument.symbol)));
  for (const q of quotes.options) {
    if (!inChains.has(q.instrument.symbol)) {
      report.issues.push({ symbol: q.instrument.symbol, reason: 'no-forward', detail: 'no forward for its expiry' });
    }
  }
  return {
    venue,
    underlying,
    source: { kind: source.kind, label: source.label, dataTimeMs },
    chains,
    perp: quotes.perp,
    futures: quotes.futures,
    index: quotes.index,
    issues: report.issues,
    usableForHedging: report.usableForHedging,
  };
}

/**
 * The error with the source it came from appended (`... (from replay:/path/rec.json (...))`): a damaged replay file
 * must be named, not only the venue it recorded. The error keeps its class and code; only the message grows.
 */
function fromSource(error: MarketDataError, label: string): MarketDataError {
  if (!error.message.includes(label)) error.message = `${error.message} (from ${label})`;
  return error;
}

/** Loads a full market snapshot (chains, perp, futures) from the requested source. */
export async function loadMarketSnapshot(req: SnapshotRequest): Promise<LoadedSnapshot> {
  const opened = openSource(req);
  if (opened.kind === 'live' && req.asOfMs === undefined) {
    throw new MarketDataError("live data needs asOfMs (the caller's current time) to judge staleness");
  }
  const adapter = venueAdapter(req.venue);
  const opts = { underlying: req.underlying, settle: req.settle };
  let instruments: InstrumentIndex;
  let quotes: VenueQuotes;
  try {
    instruments = await adapter.loadInstruments(opened.client, opts);
    quotes = await adapter.fetchQuotes(opened.client, instruments, opts);
  } catch (error) {
    throw fromSource(
      fromCcxtError(error, { venue: req.venue, symbol: req.underlying, operation: 'loadMarketSnapshot' }),
      opened.label,
    );
  } finally {
    if (!req.client) await closeQuietly(opened.client);
  }
  let asOfMs = req.asOfMs ?? 0;
  let snapshot: MarketSnapshot;
  try {
    snapshot = assembleSnapshot(
      req.venue,
      req.underlying,
      quotes,
      { kind: opened.kind, label: opened.label },
      (dataTimeMs) => {
        asOfMs = req.asOfMs ?? dataTimeMs;
        return { ...req.sanity, asOfMs };
      },
    );
  } catch (error) {
    throw error instanceof MarketDataError ? fromSource(error, opened.label) : error;
  }
  return { ...snapshot, instruments, asOfMs };
}

export interface QuoteRequest extends Omit<SnapshotRequest, 'underlying'> {
  /** Venue id (`BTC-26JUN26-80000-C`, `BTC-PERPETUAL`) or ccxt symbol. */
  instrument: string;
  /** Underlying; default: the instrument id's prefix before `-`, `_` or `/`. */
  underlying?: string;
}

export interface LoadedQuote {
  quote: OptionQuote | PerpQuote | FutureQuote;
  source: SnapshotSource;
  issues: MarketSnapshot['issues'];
  usableForHedging: boolean;
  asOfMs: number;
}

/** Loads one instrument's quote (fetchTicker), rejecting symbols the venue does not list before ccxt sees them. */
export async function loadQuote(req: QuoteRequest): Promise<LoadedQuote> {
  const underlying = req.underlying ?? /^[A-Z0-9]+/.exec(req.instrument)?.[0] ?? req.instrument;
  const opened = openSource({ ...req, underlying });
  if (opened.kind === 'live' && req.asOfMs === undefined) {
    throw new MarketDataError("live data needs asOfMs (the caller's current time) to judge staleness");
  }
  const adapter = venueAdapter(req.venue);
  const opts = { underlying, settle: req.settle };
  let quote: OptionQuote | PerpQuote | FutureQuote;
  try {
    const instruments = await adapter.loadInstruments(opened.client, opts);
    const instrument = instruments.resolve(req.instrument);
    if (opened.kind === 'live') {
      quote = await adapter.fetchQuote(opened.client, instrument);
    } else {
      // A recording holds this instrument's ticker, or the whole chain (book summaries): try the ticker first.
      try {
        quote = await adapter.fetchQuote(opened.client, instrument);
      } catch (error) {
        if (!(error instanceof ReplayMissError)) throw error;
        quote = await quoteFromRecording(adapter, opened.client, instruments, opts, instrument.symbol);
      }
    }
  } catch (error) {
    throw fromCcxtError(error, { venue: req.venue, symbol: req.instrument, operation: 'loadQuote' });
  } finally {
    if (!req.client) await closeQuietly(opened.client);
  }
  const asOfMs = req.asOfMs ?? quote.timestampMs;
  const sanity = { ...req.sanity, asOfMs };
  const issues =
    quote.kind === 'option'
      ? checkOption(quote, sanity)
      : quote.kind === 'perp'
        ? checkPerp(quote, sanity)
        : checkFuture(quote, sanity);
  return {
    quote,
    source: { kind: opened.kind, label: opened.label, dataTimeMs: quote.timestampMs },
    issues,
    usableForHedging: issues.length === 0,
    asOfMs,
  };
}

async function quoteFromRecording(
  adapter: ReturnType<typeof venueAdapter>,
  client: Exchange,
  instruments: InstrumentIndex,
  opts: { underlying: string; settle?: string },
  symbol: string,
): Promise<OptionQuote | PerpQuote | FutureQuote> {
  const quotes = await adapter.fetchQuotes(client, instruments, opts);
  if (quotes.perp?.instrument.symbol === symbol) return quotes.perp;
  const future = quotes.futures.find((f) => f.instrument.symbol === symbol);
  if (future) return future;
  const chains = buildChains(adapter.venue, opts.underlying, quotes.options, quotes.futures);
  for (const c of chains) {
    const found = c.options.find((o) => o.instrument.symbol === symbol);
    if (found) return found;
  }
  throw new MarketDataError(`${adapter.venue} ${symbol}: listed, but the recording holds no quote for it`);
}

/** Age of data relative to a reference time (e.g. the wall clock at the CLI edge), ms. */
export function dataAgeMs(source: SnapshotSource, referenceMs: number): number {
  return referenceMs - source.dataTimeMs;
}
