/** The options that describe an LP position, shared by `ilhedge lp` and `ilhedge replicate`. */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, parseNumberOption } from '../output.js';

export interface LpSpecOptions {
  model: string;
  price: number;
  lower?: number;
  upper?: number;
  weight?: number;
  depositValue?: number;
  liquidity?: number;
  amountBase?: number;
  amountQuote?: number;
}

export function addLpSpecOptions(command: Command): Command {
  return command
    .requiredOption('--model <v2|v3|weighted>', 'pool model')
    .requiredOption('--price <price>', 'entry pool price (quote per base)', parseNumberOption('price'))
    .option('--lower <price>', 'v3: lower bound of the range', parseNumberOption('lower'))
    .option('--upper <price>', 'v3: upper bound of the range', parseNumberOption('upper'))
    .option(
      '--weight <decimal>',
      'weighted: weight of the base token (0.5 = constant product)',
      parseNumberOption('weight'),
    )
    .option('--deposit-value <quote>', 'deposit value in the quote currency', parseNumberOption('deposit-value'))
    .option('--liquidity <L>', 'liquidity in human units (sqrt(base * quote))', parseNumberOption('liquidity'))
    .option('--amount-base <units>', 'base tokens offered', parseNumberOption('amount-base'))
    .option('--amount-quote <units>', 'quote tokens offered', parseNumberOption('amount-quote'));
}

/** The spec fields of a batch `lp`/`replicate` request, from the parsed options. */
export function lpSpecFromOptions(options: LpSpecOptions): LpSpecOptions {
  const { model, price, lower, upper, weight, depositValue, liquidity, amountBase, amountQuote } = options;
  return { model, price, lower, upper, weight, depositValue, liquidity, amountBase, amountQuote };
}

/** Parses a comma-separated list of numbers (`--at 1200,1600`), naming the option in the error. */
export function parseNumberList(name: string): (raw: string) => number[] {
  return (raw: string) => {
    const parts = raw.split(',').map((part) => part.trim());
    const values = parts.map(Number);
    if (parts.some((part, i) => part === '' || !Number.isFinite(values[i]))) {
      throw new CliError(`--${name}: expected comma-separated numbers, got ${JSON.stringify(raw)}`, EXIT_USAGE);
    }
    return values;
  };
}
