/**
 * `ilhedge chain`: a venue's option chain for one underlying, normalised (decimal IVs, premiums in the quote and the
 * settle currency, contract specs), with its source and the age of its data. `--source builtin` (the default) needs
 * no network.
 */
import type { Command } from 'commander';
import type * as AdaptersNs from '../../../adapters/index.js';
import type { Chain, LoadedSnapshot, OptionQuote, SnapshotSource, Venue } from '../../../adapters/index.js';

type AdaptersModule = typeof AdaptersNs;
import { CliError, EXIT_USAGE, formatNumber, parseNumberOption } from '../output.js';
import { MS_PER_SECOND, msToHours } from '../../../pricing/time.js';

interface ChainOptions {
  venue: string;
  underlying: string;
  expiry?: string;
  source: string;
  settle?: string;
  maxAgeSeconds?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('chain')
    .description(
      "A venue's option chain for one underlying through ccxt, normalised: per expiry the forward (and how it was\n" +
        'obtained), per option bid/ask/mark in the quote currency (USD) and the settle currency, mark IV as a decimal,\n' +
        'contract size, minimum amount and tick, and whether it passed the sanity checks. Every output names its\n' +
        'source and the age of its data. --source builtin (default) is a packaged Deribit BTC chain of 2026-05-26\n' +
        '(reconstructed in wire format from real values) and needs no network; live needs network; replay:<file>\n' +
        'replays a recording made by `ilhedge record`.',
    )
    .requiredOption('--venue <venue>', 'deribit | okx | bybit | binance')
    .requiredOption('--underlying <coin>', 'underlying coin, e.g. BTC')
    .option('--expiry <date>', 'only this expiry (YYYY-MM-DD, UTC)')
    .option('--source <source>', 'builtin | live | replay:<file>', 'builtin')
    .option('--settle <coin>', 'Deribit: USDC for the linear options (default: the coin-settled ones)')
    .option(
      '--max-age-seconds <s>',
      'quotes older than this (vs the data clock for builtin/replay, vs now for live) are flagged stale',
      parseNumberOption('max-age-seconds'),
    )
    .option('--json', 'print JSON instead of tables')
    .action(async (options: ChainOptions) => {
      await runChain(options);
    });
}

export function parseExpiryDate(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !Number.isFinite(Date.parse(`${text}T00:00:00Z`))) {
    throw new CliError(`--expiry: expected a date YYYY-MM-DD, got ${JSON.stringify(text)}`, EXIT_USAGE);
  }
  return text;
}

export type { ChainOptions };

/** Loads the adapters lazily (ccxt is heavy) and turns market-data errors into CLI errors. */
export async function loadAdapters(): Promise<AdaptersModule> {
  return import('../../../adapters/index.js');
}

export function parseVenue(text: string, isVenue: (v: string) => v is Venue): Venue {
  if (!isVenue(text))
    throw new CliError(`--venue: expected deribit, okx, bybit or binance, got ${JSON.stringify(text)}`, EXIT_USAGE);
  return text;
}

/** Re-throws market-data errors as CLI errors (message only, exit 1); anything else unchanged. */
export async function asCliErrors<T>(run: () => Promise<T>): Promise<T> {
  const { MarketDataError } = await loadAdapters();
  try {
    return await run();
  } catch (error) {
    if (error instanceof MarketDataError) throw new CliError(error.message);
    throw error;
  }
}

/** `source: ... | data time ... | age: ... vs now` lines every market-data output starts with. */
export function describeSource(
  source: SnapshotSource,
  asOfMs: number,
  nowMs: number,
  formatAge: (ms: number) => string,
): {
  kind: string;
  label: string;
  dataTime: string;
  dataTimeMs: number;
  asOf: string;
  ageVsNowMs: number;
  text: string;
} {
  const dataTime = new Date(source.dataTimeMs).toISOString();
  const ageVsNowMs = nowMs - source.dataTimeMs;
  const clock =
    source.kind === 'live'
      ? `judged at now (${new Date(asOfMs).toISOString()})`
      : `judged on the data's own clock (${new Date(asOfMs).toISOString()}); replay never pretends old data is new`;
  const text =
    `source: ${source.label}\n` + `data time: ${dataTime} (${formatAge(ageVsNowMs)} before now); staleness ${clock}`;
  return {
    kind: source.kind,
    label: source.label,
    dataTime,
    dataTimeMs: source.dataTimeMs,
    asOf: new Date(asOfMs).toISOString(),
    ageVsNowMs,
    text,
  };
}

function optionJson(q: OptionQuote, usable: ReadonlySet<string>, reasons: Map<string, string[]>, dataTimeMs: number) {
  const i = q.instrument;
  return {
    instrument: i.venueId,
    symbol: i.symbol,
    type: i.optionType,
    strike: i.strike,
    markIv: q.markIv,
    bidIv: q.bidIv,
    askIv: q.askIv,
    markPrice: q.markQuote,
    markPriceSettle: q.markSettle,
    bid: q.bidQuote,
    ask: q.askQuote,
    bidSettle: q.bidSettle,
    askSettle: q.askSettle,
    settleCurrency: i.settle,
    quoteCurrency: i.quote,
    bidSizeContracts: q.bidSizeContracts,
    askSizeContracts: q.askSizeContracts,
    openInterestContracts: q.openInterestContracts,
    contractSize: i.contractSize,
    minAmount: i.minAmount,
    amountStep: i.amountStep,
    tick: i.priceTick,
    tickSteps: i.priceTickSteps,
    inverse: i.inverse,
    timestamp: new Date(q.timestampMs).toISOString(),
    timestampMs: q.timestampMs,
    ageAtDataTimeMs: dataTimeMs - q.timestampMs,
    usableForHedging: usable.has(i.symbol),
    issues: reasons.get(i.symbol) ?? [],
  };
}

function chainJson(c: Chain, usable: ReadonlySet<string>, reasons: Map<string, string[]>, dataTimeMs: number) {
  return {
    expiry: c.expiryIso,
    expiryMs: c.expiryMs,
    forward: c.forward,
    forwardMethod: c.forwardMethod,
    forwardDetail: c.forwardDetail,
    parityForward: c.parityForward,
    options: c.options.map((q) => optionJson(q, usable, reasons, dataTimeMs)),
  };
}

export async function runChain(options: ChainOptions, nowMs = Date.now()): Promise<void> {
  const adapters = await loadAdapters();
  const { printJson, renderTable } = await import('../output.js');
  const venue = parseVenue(options.venue, adapters.isVenue);
  const expiry = options.expiry === undefined ? undefined : parseExpiryDate(options.expiry);
  const source = await asCliErrors(async () => adapters.parseSourceSpec(options.source));
  const snapshot: LoadedSnapshot = await asCliErrors(() =>
    adapters.loadMarketSnapshot({
      venue,
      underlying: options.underlying.toUpperCase(),
      settle: options.settle?.toUpperCase(),
      source,
      asOfMs: source.kind === 'live' ? nowMs : undefined,
      sanity: options.maxAgeSeconds === undefined ? undefined : { maxAgeMs: options.maxAgeSeconds * MS_PER_SECOND },
    }),
  );
  let chains = snapshot.chains;
  if (expiry !== undefined) {
    chains = chains.filter((c) => c.expiryIso.slice(0, 10) === expiry);
    if (chains.length === 0) {
      const have = snapshot.chains.map((c) => c.expiryIso.slice(0, 10)).join(', ');
      throw new CliError(
        `--expiry ${expiry}: no ${venue} ${options.underlying} options expire then (expiries: ${have})`,
      );
    }
  }
  const reasons = new Map<string, string[]>();
  for (const issue of snapshot.issues) reasons.set(issue.symbol, [...(reasons.get(issue.symbol) ?? []), issue.reason]);
  const src = describeSource(snapshot.source, snapshot.asOfMs, nowMs, adapters.formatAge);
  const dataTimeMs = snapshot.source.dataTimeMs;
  const inView = new Set(chains.flatMap((c) => c.options.map((o) => o.instrument.symbol)));
  const perp = snapshot.perp;
  if (options.json) {
    const { text: _text, ...sourceJson } = src;
    printJson({
      venue,
      underlying: snapshot.underlying,
      source: sourceJson,
      index: snapshot.index,
      perp: perp && {
        instrument: perp.instrument.venueId,
        bid: perp.bid,
        ask: perp.ask,
        mark: perp.mark,
        index: perp.index,
        fundingRate: perp.fundingRate,
        fundingIntervalMs: perp.fundingIntervalMs,
        fundingRateAnnualised: perp.fundingRateAnnualised,
        contractValueQuote: perp.instrument.contractValueQuote,
        contractSize: perp.instrument.contractSize,
        timestamp: new Date(perp.timestampMs).toISOString(),
        usableForHedging: snapshot.usableForHedging.has(perp.instrument.symbol),
      },
      expiries: chains.map((c) => chainJson(c, snapshot.usableForHedging, reasons, dataTimeMs)),
      issues: snapshot.issues.filter((i) => inView.has(i.symbol) || !i.symbol.includes('-') || expiry === undefined),
    });
    return;
  }
  const out: string[] = [src.text];
  out.push(
    `${venue} ${snapshot.underlying}: ${chains.length} expir${chains.length === 1 ? 'y' : 'ies'}, ` +
      `${chains.reduce((n, c) => n + c.options.length, 0)} options; index ${snapshot.index === null ? 'n/a' : formatNumber(snapshot.index)}` +
      (perp
        ? `; perp ${perp.instrument.venueId} mark ${perp.mark === null ? 'n/a' : formatNumber(perp.mark)}, funding ${
            perp.fundingRate === null
              ? 'n/a'
              : `${formatNumber(perp.fundingRate)} per ${msToHours(perp.fundingIntervalMs ?? 0)} h (${formatNumber((perp.fundingRateAnnualised ?? 0) * 100, 4)}% a year)`
          }`
        : ''),
  );
  const num = (x: number | null, digits = 8) => (x === null ? null : Number(x.toPrecision(digits)));
  for (const c of chains) {
    const settle = c.options[0]?.instrument.settle ?? '';
    out.push(
      '',
      `expiry ${c.expiryIso}  forward ${formatNumber(c.forward)} (${c.forwardMethod}: ${c.forwardDetail})` +
        (c.parityForward === null ? '' : `  parity forward from marks ${formatNumber(c.parityForward)}`),
    );
    out.push(
      renderTable(c.options, [
        { header: 'instrument', value: (q) => q.instrument.venueId, align: 'left' },
        { header: 'type', value: (q) => q.instrument.optionType, align: 'left' },
        { header: 'strike', value: (q) => q.instrument.strike },
        { header: 'bid USD', value: (q) => num(q.bidQuote, 6) },
        { header: 'ask USD', value: (q) => num(q.askQuote, 6) },
        { header: 'mark USD', value: (q) => num(q.markQuote, 6) },
        { header: `mark ${settle}`, value: (q) => q.markSettle },
        { header: 'mark IV', value: (q) => num(q.markIv, 4) },
        { header: 'contract', value: (q) => q.instrument.contractSize },
        { header: 'min', value: (q) => q.instrument.minAmount },
        { header: 'tick', value: (q) => q.instrument.priceTick },
        {
          header: 'usable',
          value: (q) =>
            snapshot.usableForHedging.has(q.instrument.symbol)
              ? 'yes'
              : (reasons.get(q.instrument.symbol) ?? []).join(','),
          align: 'left',
        },
      ]),
    );
  }
  const flagged = snapshot.issues.filter((i) => inView.has(i.symbol) || expiry === undefined);
  out.push('', `sanity: ${flagged.length} finding(s); flagged quotes are excluded from hedging`);
  for (const i of flagged.slice(0, 20)) out.push(`  ${i.symbol}: ${i.reason}: ${i.detail}`);
  if (flagged.length > 20) out.push(`  ... ${flagged.length - 20} more (see --json)`);
  process.stdout.write(out.join('\n') + '\n');
}
