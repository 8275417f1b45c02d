import type { Command } from 'commander';
import type { StripResult } from '../../../pricing/replication.js';
import { parseNumberOption } from '../output.js';
import { addLpSpecOptions, lpSpecFromOptions, parseNumberList, type LpSpecOptions } from './lpSpecOptions.js';

export function register(program: Command): void {
  const command = program
    .command('replicate')
    .description(
      'Carr-Madan static replication of an LP position on listed strikes: the strip of puts (below the forward)\n' +
        'and calls (above) to buy, in base units, with the forward leg, its premium (Black-76 at --vol or --vols)\n' +
        'and its errors: the largest replication error between the outer strikes, the uncovered tails, and the\n' +
        'expiry mismatch against --horizon-years. --target il (default) hedges the IL; --target value the whole value.',
    );
  addLpSpecOptions(command)
    .requiredOption('--strikes <list>', 'comma-separated listed strikes, increasing', parseNumberList('strikes'))
    .requiredOption('--expiry-years <years>', 'option expiry in years, ACT/365', parseNumberOption('expiry-years'))
    .option('--vol <decimal>', 'flat implied vol for every strike', parseNumberOption('vol'))
    .option('--vols <list>', 'one implied vol per strike (comma-separated decimals)', parseNumberList('vols'))
    .option('--forward <price>', 'forward of the expiry (default: the entry price)', parseNumberOption('forward'))
    .option('--rate <decimal>', 'continuously compounded discount rate', parseNumberOption('rate'), 0)
    .option('--target <il|value>', 'what to hedge: the impermanent loss or the whole LP value', 'il')
    .option(
      '--horizon-years <years>',
      "the LP's horizon, to report the expiry mismatch",
      parseNumberOption('horizon-years'),
    )
    .option('--json', 'print JSON instead of tables')
    .action(async (options: ReplicateOptions) => {
      const { replicateOp } = await import('../ops/replicate.js');
      const { printJson, renderKeyValues, renderTable } = await import('../output.js');
      const request = replicateOp.schema.parse({
        op: 'replicate',
        ...lpSpecFromOptions(options),
        strikes: options.strikes,
        expiryYears: options.expiryYears,
        vol: options.vol,
        vols: options.vols,
        forward: options.forward,
        rate: options.rate,
        target: options.target,
        horizonYears: options.horizonYears,
      });
      const strip = replicateOp.run(request) as StripResult;
      if (options.json) return printJson(strip);
      process.stdout.write(
        renderTable(strip.legs, [
          { header: 'side', value: (l) => (l.quantity >= 0 ? 'buy' : 'sell'), align: 'left' },
          { header: 'type', value: (l) => l.type, align: 'left' },
          { header: 'strike', value: (l) => l.strike },
          { header: 'quantity (base)', value: (l) => l.quantity },
          { header: 'vol', value: (l) => l.vol },
          { header: 'unit price', value: (l) => l.unitPrice },
          { header: 'premium', value: (l) => l.premium },
        ]) + '\n',
      );
      const summary: [string, number | string | undefined][] = [
        ['target', strip.target],
        ['forward price', strip.forwardPrice],
        ['forward leg (base units)', strip.forward],
        ['cash at expiry (quote)', strip.cash],
        ['premium (quote)', strip.premium],
        ['continuous-strip premium', strip.continuousPremium],
        ['max replication error', strip.maxError],
        ['  at price', strip.maxErrorPrice],
        ['  relative to value', strip.maxErrorRelative],
        ['uncovered below ' + strip.tailBelow.outerStrike, strip.tailBelow.uncoveredValue],
        ['uncovered above ' + strip.tailAbove.outerStrike, strip.tailAbove.uncoveredValue],
      ];
      if (strip.expiryMismatch) {
        summary.push(
          ['horizon (years)', strip.expiryMismatch.horizonYears],
          ['hedge value to horizon', strip.expiryMismatch.continuousValueAtHorizon],
          ['expiry mismatch (quote)', strip.expiryMismatch.difference],
        );
      }
      process.stdout.write(renderKeyValues(summary) + '\n');
    });
}

interface ReplicateOptions extends LpSpecOptions {
  strikes: number[];
  expiryYears: number;
  vol?: number;
  vols?: number[];
  forward?: number;
  rate: number;
  target: string;
  horizonYears?: number;
  json?: boolean;
}
