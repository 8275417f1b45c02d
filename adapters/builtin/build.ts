/**
 * How the built-in recording was made (issue 3, item 5). Run after `npm run build`:
 *
 *   node dist/adapters/builtin/build.js
 *
 * Input (real data, see `test/fixtures/exchanges/SOURCES.md`):
 * - `deribit/normalized_option_chain_BTC_2026-05-26.json`: a live Deribit BTC chain exported by a third party
 *   (878 options, 11 expiries, snapshot 2026-05-26T19:27:44Z): mark IV (percent), best bid/ask and mark (BTC),
 *   open interest, per-expiry forward and index, BTC-PERPETUAL 8 h funding and index.
 * - `deribit/get_instruments_BTC_{option,future}_2026-05-22.json`: real Deribit instrument payloads whose field set
 *   and contract specs (tick 0.0001 with 0.0005 above 0.005 BTC, minimum 0.1, contract 1 BTC, fees, perp 10 USD)
 *   the reconstructed option instruments follow.
 *
 * Output: `adapters/builtin/deribit-BTC-2026-05-26.json`, an ordinary ilhedge recording (Deribit wire format) that
 * is replayed through ccxt like any other. What is real and what was assumed is listed in its `notes`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { RECORDING_FORMAT, RECORDING_FORMAT_VERSION, ccxtPackageVersion, type Recording } from '../recording.js';
import { builtinDir, repoRoot } from './paths.js';
import { MS_PER_DAY } from '../../pricing/time.js';

export const BUILTIN_FILE = 'deribit-BTC-2026-05-26.json';

interface SnapshotInstrument {
  contract_size: number;
  creation_ts: string;
  currency: string;
  expiry: string;
  instrument_name: string;
  option_type: 'C' | 'P';
  strike: number;
}
interface SnapshotQuote {
  best_ask: number | null;
  best_bid: number | null;
  deribit_mark_iv: number;
  instrument_name: string;
  mark_price: number;
  open_interest: number | null;
}
export interface ChainExport {
  snapshot_time: string;
  expiries: string[];
  forwards: { expiry: string; forward_price: number; index_price: number }[];
  funding_rates: { funding_rate_8h: number; index_price: number; instrument_name: string }[];
  instruments: SnapshotInstrument[];
  option_quotes: SnapshotQuote[];
}
interface DeribitEnvelope {
  result: Record<string, unknown>[];
}

const API = 'https://www.deribit.com/api/v2/public';

function ms(iso: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`bad time ${iso}`);
  return t;
}

/** Deribit's `settlement_period`: last Friday of the month -> month, other Fridays -> week, else day. */
export function settlementPeriod(expiryMs: number): 'day' | 'week' | 'month' {
  const d = new Date(expiryMs);
  if (d.getUTCDay() !== 5) return 'day';
  const nextWeek = new Date(expiryMs + 7 * MS_PER_DAY);
  return nextWeek.getUTCMonth() !== d.getUTCMonth() ? 'month' : 'week';
}

/** Deribit instrument-name date: 26JUN26, 5JUN26. */
function deribitDate(expiryMs: number): string {
  const d = new Date(expiryMs);
  const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  return `${d.getUTCDate()}${months[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, '0')}`;
}

function envelope(result: unknown, atMs: number): string {
  const usIn = atMs * 1000;
  return JSON.stringify({ jsonrpc: '2.0', result, usIn, usOut: usIn, usDiff: 0, testnet: false });
}

/** Builds the built-in recording from the export and the real 2026-05-22 instrument payloads. Pure. */
export function buildBuiltinRecording(
  chain: ChainExport,
  optionSpecs: DeribitEnvelope,
  futureSpecs: DeribitEnvelope,
  ccxtVersion: string,
): Recording {
  const snapMs = ms(chain.snapshot_time);
  const template = optionSpecs.result[0];
  if (!template) throw new Error('no option instrument to take the contract spec from');
  const forwards = new Map(chain.forwards.map((f) => [ms(f.expiry), f]));
  const byName = new Map(chain.instruments.map((i) => [i.instrument_name, i]));

  // Futures: the real 2026-05-22 specs of those still alive at the snapshot (dailies listed later are unknown).
  const futures = futureSpecs.result.filter((f) => Number(f.expiration_timestamp) > snapMs);
  const futureByExpiry = new Map(
    futures.filter((f) => f.settlement_period !== 'perpetual').map((f) => [Number(f.expiration_timestamp), f]),
  );

  const optionInstruments = chain.instruments.map((i) => {
    const expiryMs = ms(i.expiry);
    return {
      base_currency: 'BTC',
      block_trade_commission: template.block_trade_commission,
      block_trade_min_trade_amount: template.block_trade_min_trade_amount,
      block_trade_tick_size: template.block_trade_tick_size,
      contract_size: i.contract_size,
      counter_currency: template.counter_currency,
      creation_timestamp: ms(i.creation_ts),
      expiration_timestamp: expiryMs,
      instrument_name: i.instrument_name,
      instrument_type: template.instrument_type,
      is_active: true,
      kind: 'option',
      maker_commission: template.maker_commission,
      min_trade_amount: template.min_trade_amount,
      option_type: i.option_type === 'C' ? 'call' : 'put',
      price_index: template.price_index,
      quote_currency: template.quote_currency,
      settlement_currency: template.settlement_currency,
      settlement_period: settlementPeriod(expiryMs),
      state: 'open',
      strike: i.strike,
      taker_commission: template.taker_commission,
      tick_size: template.tick_size,
      tick_size_steps: template.tick_size_steps,
    };
  });

  const optionSummaries = chain.option_quotes.map((q) => {
    const inst = byName.get(q.instrument_name);
    if (!inst) throw new Error(`quote without instrument: ${q.instrument_name}`);
    const expiryMs = ms(inst.expiry);
    const fwd = forwards.get(expiryMs);
    if (!fwd) throw new Error(`no forward for ${inst.expiry}`);
    const future = futureByExpiry.get(expiryMs);
    return {
      ask_price: q.best_ask,
      base_currency: 'BTC',
      bid_price: q.best_bid,
      creation_timestamp: snapMs,
      estimated_delivery_price: fwd.index_price,
      high: null,
      instrument_name: q.instrument_name,
      interest_rate: 0,
      last: null,
      low: null,
      mark_iv: q.deribit_mark_iv,
      mark_price: q.mark_price,
      mid_price: q.best_bid !== null && q.best_ask !== null ? (q.best_bid + q.best_ask) / 2 : null,
      open_interest: q.open_interest,
      price_change: null,
      quote_currency: 'BTC',
      // Deribit names the option's underlying: the future of the expiry, or a synthetic `SYN.` forward.
      underlying_index: future ? String(future.instrument_name) : `SYN.BTC-${deribitDate(expiryMs)}`,
      underlying_price: fwd.forward_price,
      volume: null,
      volume_usd: null,
    };
  });

  const funding = chain.funding_rates.find((f) => f.instrument_name === 'BTC-PERPETUAL');
  if (!funding) throw new Error('no BTC-PERPETUAL funding in the export');
  const indexPrice = funding.index_price;
  // Assumed (not in the export): perp mark = index (funding 7e-7 per 8 h is inside Deribit's +-0.025% dead zone,
  // so the premium is small) and a one-tick (0.5 USD) book around it, the usual BTC-PERPETUAL spread.
  const perpBid = Math.floor(indexPrice / 0.5) * 0.5;
  const perpAsk = perpBid + 0.5;
  const futureSummaries = futures.map((f) => {
    const name = String(f.instrument_name);
    if (f.settlement_period === 'perpetual') {
      return {
        ask_price: perpAsk,
        base_currency: 'BTC',
        bid_price: perpBid,
        creation_timestamp: snapMs,
        current_funding: null,
        estimated_delivery_price: indexPrice,
        funding_8h: funding.funding_rate_8h,
        high: null,
        instrument_name: name,
        last: null,
        low: null,
        mark_price: indexPrice,
        mid_price: (perpBid + perpAsk) / 2,
        open_interest: null,
        price_change: null,
        quote_currency: 'USD',
        volume: null,
        volume_notional: null,
        volume_usd: null,
      };
    }
    const fwd = forwards.get(Number(f.expiration_timestamp));
    return {
      ask_price: null,
      base_currency: 'BTC',
      bid_price: null,
      creation_timestamp: snapMs,
      estimated_delivery_price: fwd?.index_price ?? indexPrice,
      high: null,
      instrument_name: name,
      last: null,
      low: null,
      // The export's forward of this expiry is what Deribit quotes as the options' underlying_price.
      mark_price: fwd ? fwd.forward_price : null,
      mid_price: null,
      open_interest: null,
      price_change: null,
      quote_currency: 'USD',
      volume: null,
      volume_notional: null,
      volume_usd: null,
    };
  });

  const perpTicker = {
    best_ask_amount: null,
    best_ask_price: perpAsk,
    best_bid_amount: null,
    best_bid_price: perpBid,
    current_funding: null,
    estimated_delivery_price: indexPrice,
    funding_8h: funding.funding_rate_8h,
    index_price: indexPrice,
    instrument_name: 'BTC-PERPETUAL',
    interest_value: null,
    last_price: null,
    mark_price: indexPrice,
    max_price: null,
    min_price: null,
    open_interest: null,
    settlement_price: null,
    state: 'open',
    stats: { high: null, low: null, price_change: null, volume: null, volume_notional: null, volume_usd: null },
    timestamp: snapMs,
  };

  const http = (path: string, result: unknown) => ({
    method: 'GET',
    url: `${API}/${path}`,
    status: 200,
    body: envelope(result, snapMs),
    receivedAtMs: snapMs,
  });
  return {
    format: RECORDING_FORMAT,
    formatVersion: RECORDING_FORMAT_VERSION,
    venue: 'deribit',
    recordedAt: new Date(snapMs).toISOString(),
    ccxtVersion,
    underlying: 'BTC',
    label: `Deribit BTC options ${new Date(snapMs).toISOString()} (reconstructed from real exported values)`,
    reconstructed: true,
    notes: [
      'RECONSTRUCTED wire-format payloads, not a raw capture: built by adapters/builtin/build.ts.',
      'Real values (Deribit BTC chain exported by MaksM05/crypto-vol-surface tests/fixtures/snapshot_btc_surface.json, ' +
        `snapshot ${chain.snapshot_time}): per option mark_iv (percent), best bid/ask and mark price (BTC), open interest, ` +
        'instrument names, strikes, expiries and creation times; per expiry forward (underlying_price) and index; ' +
        'BTC-PERPETUAL funding_8h and index.',
      'Instrument specs of the options (contract_size, min_trade_amount, tick_size, tick_size_steps, fees, ' +
        'instrument_type, currencies) follow the real 2026-05-22 get_instruments payload; futures and the perp are ' +
        'the real 2026-05-22 instruments still alive at the snapshot (no later dailies).',
      'Assumed: creation_timestamp of every quote = the snapshot time; underlying_index SYN.BTC-<expiry> where no ' +
        'future of that expiry was listed on 2026-05-22; future mark = the export forward of its expiry, future ' +
        'bid/ask unknown (null); perp mark = index and a one-tick 0.5 USD book around it (bid/ask sizes unknown); ' +
        'volumes, highs, lows, last prices unknown (null).',
    ],
    http: [
      http('get_instruments?currency=BTC&kind=option', optionInstruments),
      http('get_instruments?currency=BTC&kind=future', futures),
      http('get_book_summary_by_currency?currency=BTC&kind=option', optionSummaries),
      http('get_book_summary_by_currency?currency=BTC&kind=future', futureSummaries),
      http('ticker?instrument_name=BTC-PERPETUAL', perpTicker),
    ],
    ws: [],
  };
}

/** Reads the inputs from the repository's fixtures. */
export function buildBuiltinFromFixtures(): Recording {
  const dir = join(repoRoot(), 'test', 'fixtures', 'exchanges', 'deribit');
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
  return buildBuiltinRecording(
    read<ChainExport>('normalized_option_chain_BTC_2026-05-26.json'),
    read<DeribitEnvelope>('get_instruments_BTC_option_2026-05-22.json'),
    read<DeribitEnvelope>('get_instruments_BTC_future_2026-05-22.json'),
    ccxtPackageVersion(),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = join(builtinDir(), BUILTIN_FILE);
  writeFileSync(out, JSON.stringify(buildBuiltinFromFixtures(), null, 1) + '\n');
  process.stdout.write(`wrote ${out}\n`);
}
