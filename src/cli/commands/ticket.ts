import type { Command } from 'commander';
import { CliError, EXIT_INPUT, EXIT_USAGE, isExpectedError } from '../output.js';

interface TicketOptions {
  config: string;
  source?: string;
  mode?: string;
  json?: boolean;
  csv?: boolean;
  withMarket: string[];
}

/** One `--with-market <venue>=<source>`: a further venue's market for the same underlying. */
export interface FurtherMarketSpec {
  venue: 'deribit' | 'okx' | 'bybit' | 'binance';
  source: string;
}

const VENUE_NAMES = ['deribit', 'okx', 'bybit', 'binance'] as const;

/** Parses `--with-market` values (`bybit=replay:rec.json`), refusing a malformed one or an unknown venue (usage). */
export function parseFurtherMarkets(values: readonly string[]): FurtherMarketSpec[] {
  return values.map((value) => {
    const at = value.indexOf('=');
    const venue = at > 0 ? value.slice(0, at) : '';
    const source = at > 0 ? value.slice(at + 1) : '';
    if (!venue || !source) {
      throw new CliError(
        `--with-market: expected <venue>=<source>, e.g. bybit=replay:rec.json (got ${JSON.stringify(value)})`,
        EXIT_USAGE,
      );
    }
    if (!(VENUE_NAMES as readonly string[]).includes(venue)) {
      throw new CliError(
        `--with-market: unknown venue ${JSON.stringify(venue)} (${VENUE_NAMES.join(', ')})`,
        EXIT_USAGE,
      );
    }
    return { venue: venue as FurtherMarketSpec['venue'], source };
  });
}

/**
 * Config, market-data, pricing, hedging and store errors become CLI errors (message only, exit 1), by their
 * registered code (pricing/errors.ts, which imports nothing, so `--help` loads no layer to test an error).
 */
export function asCliError(error: unknown): unknown {
  if (error instanceof CliError || !(error instanceof Error)) return error;
  // Coded errors (the registry) other than `internal` are the input's or the market's: the message alone, exit 1.
  return isExpectedError(error) ? new CliError(error.message, EXIT_INPUT) : error;
}

export function register(program: Command): void {
  program
    .command('ticket')
    .description(
      'Make a hedge ticket for the positions of a desk config: dynamic (delta- and gamma-neutral at least cost with\n' +
        'puts, calls and the perp, whole lots, HiGHS MIP) or static (the Carr-Madan IL strip on one expiry, in lots).\n' +
        'Refuses (exit 1) on stale quotes, a chain that fails its sanity checks, or an unreachable gamma target.',
    )
    .requiredOption('--config <file>', 'desk config (JSON), e.g. config/wbtc-usdc-v3-dynamic.json')
    .option('--source <source>', "market data: builtin, live or replay:<file> (default: the config's market.source)")
    .option('--mode <dynamic|static>', "hedge mode (default: the config's mode)")
    .option('--json', 'print the ticket as JSON')
    .option('--csv', 'print the legs as CSV (one row per leg)')
    .option(
      '--with-market <venue=source>',
      "also draw options from another venue's market for the same underlying, in the same MIP (repeatable), e.g.\n" +
        "bybit=replay:rec.json; the venue must be among the config's venues, and policy.candidates.venues decides\n" +
        'whether its options are traded (dynamic mode only)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (options: TicketOptions) => {
      if (options.json && options.csv) throw new CliError('--json and --csv: choose one', EXIT_USAGE);
      if (options.mode !== undefined && options.mode !== 'dynamic' && options.mode !== 'static') {
        throw new CliError(`--mode: expected dynamic or static, got ${JSON.stringify(options.mode)}`, EXIT_USAGE);
      }
      const further = parseFurtherMarkets(options.withMarket);
      try {
        const { loadDeskMarket } = await import('../../config/deskMarket.js');
        const { config, positions, policy, market, asOfMs } = await loadDeskMarket(options.config, options.source);
        const venueMarkets = [];
        for (const spec of further) {
          if (!(config.venues as readonly string[]).includes(spec.venue)) {
            throw new CliError(
              `--with-market ${spec.venue}: not among the config's venues (${config.venues.join(', ')})`,
              EXIT_INPUT,
            );
          }
          const { loadMarketSnapshot, parseSourceSpec } = await import('../../../adapters/index.js');
          const source = parseSourceSpec(spec.source);
          // Each venue on its own clock: a replay's is its data time, a live feed's the wall clock (read at the edge).
          const other = await loadMarketSnapshot({
            venue: spec.venue,
            underlying: config.market.underlying,
            source,
            asOfMs: source.kind === 'live' ? Date.now() : undefined,
            sanity: { maxAgeMs: policy.maxQuoteAgeMs },
          });
          venueMarkets.push({ market: other, asOfMs: other.asOfMs });
        }
        const hedging = await import('../../../hedging/index.js');
        const mode = (options.mode as 'dynamic' | 'static' | undefined) ?? config.mode;
        const ticket = await hedging.makeTicket({
          positions,
          market,
          asOfMs,
          mode,
          policy,
          ...(venueMarkets.length ? { venueMarkets } : {}),
        });
        const render = options.json
          ? hedging.renderTicketJson
          : options.csv
            ? hedging.renderTicketCsv
            : hedging.renderTicketText;
        process.stdout.write(render(ticket));
      } catch (error) {
        throw asCliError(error);
      }
    });
}
