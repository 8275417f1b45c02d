import type { Command } from 'commander';
import { CliError, EXIT_USAGE, parseNumberOption } from '../output.js';
import { addLabCommonOptions, printLabResult, withLabErrors, type LabCommonOptions } from './backtest.js';

interface SimulateOptions extends LabCommonOptions {
  pathModel: 'gbm' | 'merton' | 'heston';
  paths: number;
  days: number;
  stepHours: number;
  seed: number;
  price: number;
  start: string;
  drift: number;
  jumpIntensity: number;
  jumpMean: number;
  jumpSd: number;
  kappa: number;
  theta?: number;
  xi: number;
  rho: number;
  v0?: number;
  workers: number;
  samplePaths: number;
}

export function register(program: Command): void {
  const command = program
    .command('simulate')
    .description(
      'The policies of `ilhedge backtest` on Monte Carlo paths: GBM, Merton jump-diffusion or Heston, seeded (path k\n' +
        'uses its own stream, so results do not depend on --workers), run on worker threads with progress on stderr.\n' +
        'Reports the mean attribution per policy and the distribution of path totals: mean, sd, VaR/CVaR 95/99 (losses),\n' +
        'worst drawdown and trades per path. Options are priced with Black-76 at the model vol (Merton: diffusion plus\n' +
        'jump variance; Heston: the instantaneous vol).',
    )
    .option('--path-model <gbm|merton|heston>', 'price model', 'gbm')
    .option('--paths <n>', 'number of paths', parseNumberOption('paths'), 1000)
    .option('--days <days>', 'horizon in days', parseNumberOption('days'), 30)
    .option('--step-hours <hours>', 'time step in hours', parseNumberOption('step-hours'), 1)
    .option('--seed <n>', 'seed (a whole number)', parseNumberOption('seed'), 1)
    .option('--price <quote>', 'price at the start (quote per base)', parseNumberOption('price'), 2000)
    .option('--start <iso>', 'start time (for the option expiries, Fridays 08:00 UTC)', '2026-01-05T08:00:00Z')
    .option('--drift <decimal>', 'drift a year (real-world; 0 = martingale)', parseNumberOption('drift'), 0)
    .option('--jump-intensity <per-year>', 'merton: jumps a year', parseNumberOption('jump-intensity'), 10)
    .option('--jump-mean <decimal>', 'merton: mean log jump', parseNumberOption('jump-mean'), -0.02)
    .option('--jump-sd <decimal>', 'merton: sd of the log jump', parseNumberOption('jump-sd'), 0.06)
    .option('--kappa <per-year>', 'heston: mean reversion speed', parseNumberOption('kappa'), 3)
    .option('--theta <variance>', 'heston: long-run variance (default vol^2)', parseNumberOption('theta'))
    .option('--xi <decimal>', 'heston: vol of variance', parseNumberOption('xi'), 1)
    .option('--rho <decimal>', 'heston: correlation of price and variance', parseNumberOption('rho'), -0.3)
    .option('--v0 <variance>', 'heston: initial variance (default vol^2)', parseNumberOption('v0'))
    .option('--workers <n>', 'worker threads (0: this thread)', parseNumberOption('workers'), 2)
    .option('--sample-paths <n>', 'paths kept whole for the report plots', parseNumberOption('sample-paths'), 10);
  addLabCommonOptions(command).action(async (options: SimulateOptions) =>
    withLabErrors(async () => {
      if (!['gbm', 'merton', 'heston'].includes(options.pathModel))
        throw new CliError(`--path-model: expected gbm, merton or heston, got ${options.pathModel}`, EXIT_USAGE);
      const startMs = Date.parse(options.start);
      if (!Number.isFinite(startMs))
        throw new CliError(`--start: expected an ISO-8601 time, got ${options.start}`, EXIT_USAGE);
      const { simulateRun } = await import('../../../lab/commands.js');
      let finished = false;
      const result = await simulateRun({ ...options, startMs }, (done, total) => {
        if (finished) return;
        process.stderr.write(`\rsimulate: ${done}/${total} paths`);
        if (done === total) {
          finished = true;
          process.stderr.write('\n');
        }
      });
      await printLabResult(result, options);
    }),
  );
}
