import type { Command } from 'commander';
import { CliError, EXIT_INPUT, EXIT_USAGE, isExpectedError } from '../output.js';

interface TicketOptions {
  config: string;
  source?: string;
  mode?: string;
  json?: boolean;
  csv?: boolean;
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
    .action(async (options: TicketOptions) => {
      if (options.json && options.csv) throw new CliError('--json and --csv: choose one', EXIT_USAGE);
      if (options.mode !== undefined && options.mode !== 'dynamic' && options.mode !== 'static') {
        throw new CliError(`--mode: expected dynamic or static, got ${JSON.stringify(options.mode)}`, EXIT_USAGE);
      }
      try {
        const { loadDeskMarket } = await import('../../config/deskMarket.js');
        const { config, positions, policy, market, asOfMs } = await loadDeskMarket(options.config, options.source);
        const hedging = await import('../../../hedging/index.js');
        const mode = (options.mode as 'dynamic' | 'static' | undefined) ?? config.mode;
        const ticket = await hedging.makeTicket({ positions, market, asOfMs, mode, policy });
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
