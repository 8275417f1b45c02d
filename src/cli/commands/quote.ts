/**
 * `ilhedge quote`: one instrument's normalised quote (an option, the perp or a future), with its source and the
 * age of its data. Symbols the venue does not list are refused before ccxt can invent a market for them.
 */
import type { Command } from 'commander';
import type { FutureQuote, OptionQuote, PerpQuote } from '../../../adapters/index.js';
import { formatNumber, parseNumberOption } from '../output.js';
import { asCliErrors, describeSource, loadAdapters, parseVenue } from './chain.js';
import { MS_PER_SECOND } from '../../../pricing/time.js';

interface QuoteOptions {
  venue: string;
  instrument: string;
  source: string;
  settle?: string;
  maxAgeSeconds?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('quote')
    .description(
      'One instrument through ccxt, normalised: an option (bid/ask/mark in USD and in the settle currency, IVs as\n' +
        'decimals, forward, venue greeks with their units) or a perp (bid/ask/mark/index, funding rate with its\n' +
        'interval and annualised). Names its source and the age of its data; --source builtin needs no network.',
    )
    .requiredOption('--venue <venue>', 'deribit | okx | bybit | binance')
    .requiredOption('--instrument <id>', 'venue id (BTC-26JUN26-80000-C, BTC-PERPETUAL) or ccxt symbol')
    .option('--source <source>', 'builtin | live | replay:<file>', 'builtin')
    .option('--settle <coin>', 'Deribit: USDC for the linear options')
    .option('--max-age-seconds <s>', 'flag the quote stale beyond this age', parseNumberOption('max-age-seconds'))
    .option('--json', 'print JSON instead of a table')
    .action(async (options: QuoteOptions) => {
      await runQuote(options);
    });
}

function quoteFields(q: OptionQuote | PerpQuote | FutureQuote): Record<string, unknown> {
  const i = q.instrument;
  const common = {
    instrument: i.venueId,
    symbol: i.symbol,
    kind: i.kind,
    base: i.base,
    quoteCurrency: i.quote,
    settleCurrency: i.settle,
    inverse: i.inverse,
    contractSize: i.contractSize,
    contractValueQuote: i.contractValueQuote,
    minAmount: i.minAmount,
    amountStep: i.amountStep,
    tick: i.priceTick,
    expiry: i.expiryIso,
    timestamp: new Date(q.timestampMs).toISOString(),
    timestampMs: q.timestampMs,
  };
  if (q.kind === 'option') {
    return {
      ...common,
      type: i.optionType,
      strike: i.strike,
      bid: q.bidQuote,
      ask: q.askQuote,
      markPrice: q.markQuote,
      bidSettle: q.bidSettle,
      askSettle: q.askSettle,
      markPriceSettle: q.markSettle,
      bidSizeContracts: q.bidSizeContracts,
      askSizeContracts: q.askSizeContracts,
      markIv: q.markIv,
      bidIv: q.bidIv,
      askIv: q.askIv,
      forward: q.forward,
      index: q.index,
      openInterestContracts: q.openInterestContracts,
      venueGreeks: q.venueGreeks,
    };
  }
  if (q.kind === 'perp') {
    return {
      ...common,
      bid: q.bid,
      ask: q.ask,
      mark: q.mark,
      index: q.index,
      fundingRate: q.fundingRate,
      fundingIntervalMs: q.fundingIntervalMs,
      fundingRateAnnualised: q.fundingRateAnnualised,
      nextFundingTimeMs: q.nextFundingTimeMs,
      openInterestContracts: q.openInterestContracts,
    };
  }
  return { ...common, bid: q.bid, ask: q.ask, mark: q.mark, index: q.index };
}

export async function runQuote(options: QuoteOptions, nowMs = Date.now()): Promise<void> {
  const adapters = await loadAdapters();
  const { printJson, renderKeyValues } = await import('../output.js');
  const venue = parseVenue(options.venue, adapters.isVenue);
  const source = await asCliErrors(async () => adapters.parseSourceSpec(options.source));
  const loaded = await asCliErrors(() =>
    adapters.loadQuote({
      venue,
      instrument: options.instrument,
      settle: options.settle?.toUpperCase(),
      source,
      asOfMs: source.kind === 'live' ? nowMs : undefined,
      sanity: options.maxAgeSeconds === undefined ? undefined : { maxAgeMs: options.maxAgeSeconds * MS_PER_SECOND },
    }),
  );
  const src = describeSource(loaded.source, loaded.asOfMs, nowMs, adapters.formatAge);
  const fields = quoteFields(loaded.quote);
  if (options.json) {
    const { text: _text, ...sourceJson } = src;
    printJson({
      venue,
      source: sourceJson,
      quote: fields,
      usableForHedging: loaded.usableForHedging,
      issues: loaded.issues,
    });
    return;
  }
  const rows: [string, string | number | null][] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (k === 'venueGreeks' && v !== null && typeof v === 'object') {
      const g = v as Record<string, number | string | null>;
      for (const name of ['delta', 'gamma', 'vega', 'theta', 'rho']) rows.push([`venue ${name}`, g[name] ?? null]);
      rows.push(['venue greeks units', g.convention ?? null]);
      continue;
    }
    // Epoch milliseconds are identifiers, not quantities: print every digit.
    if (k.endsWith('Ms') && typeof v === 'number') rows.push([k, String(v)]);
    else
      rows.push([
        k,
        typeof v === 'number' || typeof v === 'string' || v === null
          ? (v as string | number | null)
          : JSON.stringify(v),
      ]);
  }
  rows.push(['usable for hedging', loaded.usableForHedging ? 'yes' : 'no']);
  const lines = [src.text, renderKeyValues(rows)];
  for (const i of loaded.issues) lines.push(`  ${i.reason}: ${i.detail}`);
  if (loaded.quote.kind === 'option' && loaded.quote.markIv !== null) {
    lines.push(`mark IV ${formatNumber(loaded.quote.markIv * 100, 4)}% (decimal ${loaded.quote.markIv})`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
