#!/usr/bin/env node
/**
 * The `ilhedge` command line. Each command lives in its own module under `commands/` and registers its options
 * here; heavy dependencies (ccxt, the solver, the service) are imported inside the command's action, so `--help`
 * and the pure pricing commands start fast.
 */
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportFailure } from './output.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ilhedge')
    .description(
      'Hedge the impermanent loss of AMM liquidity positions with listed crypto options and perpetuals.\n' +
        'Prices are quote per base (USD per BTC); vols are decimals (0.65); times are years (ACT/365) unless named otherwise.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  registerCommands(program);
  return program;
}

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportFailure(error);
  }
}

await main(process.argv);
