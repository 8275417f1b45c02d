import type { Command } from 'commander';
import { parseNumberOption } from '../output.js';
import { addLpSpecOptions, lpSpecFromOptions, parseNumberList, type LpSpecOptions } from './lpSpecOptions.js';

/** Prices a desk wants to see by default: the range edges and moves of the price in both directions. */
function defaultGrid(price: number, lower?: number, upper?: number): number[] {
  const moves = [0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2].map((m) => m * price);
  const edges = [lower, upper].filter((v): v is number => v !== undefined && v > 0);
  return [...new Set([...moves, ...edges])].sort((a, b) => a - b);
}

export function register(program: Command): void {
  const command = program
    .command('lp')
    .description(
      'Value, token amounts, delta, gamma and impermanent loss of an LP position (v2 full range, v3 range or a\n' +
        'weighted pool), against holding the entry amounts. Prices are quote per base; values in the quote currency.\n' +
        'Size it by exactly one of --deposit-value, --liquidity, or --amount-base/--amount-quote (Uniswap min-liquidity rule).',
    );
  addLpSpecOptions(command)
    .option(
      '--at <prices>',
      'comma-separated prices to evaluate at (default: a grid around the price)',
      parseNumberList('at'),
    )
    .option('--vol <decimal>', 'annualised vol for the LVR rate and break-even fee yield', parseNumberOption('vol'))
    .option('--json', 'print JSON instead of tables')
    .action(async (options: LpOptions) => {
      const { lpOp } = await import('../ops/lp.js');
      const { printJson, renderKeyValues, renderTable } = await import('../output.js');
      const at = options.at ?? defaultGrid(options.price, options.lower, options.upper);
      const request = lpOp.schema.parse({
        op: 'lp',
        ...lpSpecFromOptions(options),
        at,
        vol: options.vol,
      });
      const result = lpOp.run(request) as LpResult;
      if (options.json) return printJson(result);
      const summary: [string, number | string | undefined][] = [
        ['model', result.position.model],
        ['liquidity L', result.liquidity],
        ['value at entry (quote)', result.value],
        ['base held at entry', result.amountBase],
        ['quote held at entry', result.amountQuote],
        ['base left over', result.leftoverBase],
        ['quote left over', result.leftoverQuote],
      ];
      if (result.lvr) {
        summary.push(
          ['LVR rate (per year)', result.lvr.rate],
          ['LVR per day (quote)', result.lvr.perDay],
          ['LVR multiple of v2', result.lvr.multiplier],
          ['break-even fee yield', result.lvr.breakEvenFeeYield],
        );
      }
      process.stdout.write(renderKeyValues(summary) + '\n');
      process.stdout.write(
        renderTable(result.points, [
          { header: 'price', value: (p) => p.price },
          { header: 'value', value: (p) => p.value },
          { header: 'base', value: (p) => p.amountBase },
          { header: 'quote', value: (p) => p.amountQuote },
          { header: 'delta', value: (p) => p.delta },
          { header: 'gamma', value: (p) => p.gamma },
          { header: 'IL (quote)', value: (p) => p.il },
          { header: 'IL %', value: (p) => p.ilRelative * 100 },
        ]) + '\n',
      );
    });
}

interface LpOptions extends LpSpecOptions {
  at?: number[];
  vol?: number;
  json?: boolean;
}

interface LpResult {
  position: { model: string };
  liquidity?: number;
  value: number;
  amountBase: number;
  amountQuote: number;
  leftoverBase: number;
  leftoverQuote: number;
  points: {
    price: number;
    value: number;
    amountBase: number;
    amountQuote: number;
    delta: number;
    gamma: number;
    il: number;
    ilRelative: number;
  }[];
  lvr?: { rate: number; perDay: number; multiplier: number; breakEvenFeeYield: number };
}
