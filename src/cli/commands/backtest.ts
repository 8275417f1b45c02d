import type { Command } from 'commander';
import type { CommonSettings, LabRunResult } from '../../../lab/commands.js';
import { CliError, EXIT_USAGE, parseNumberOption } from '../output.js';

/** Options shared by `backtest` and `simulate`: the lab's own settings (positions, policies, costs) and output. */
export interface LabCommonOptions extends CommonSettings {
  json?: boolean;
  report?: string;
}

export function addLabCommonOptions(command: Command): Command {
  return command
    .option('--model <v2|v3>', 'LP model of the single position', 'v3')
    .option('--lower <price>', 'v3 lower bound (quote per base)', parseNumberOption('lower'))
    .option('--upper <price>', 'v3 upper bound (quote per base)', parseNumberOption('upper'))
    .option(
      '--range-width <decimal>',
      'v3 range when --lower/--upper are not given: [P0/(1+w), P0(1+w)] around the entry price',
      parseNumberOption('range-width'),
      0.2,
    )
    .option(
      '--deposit-value <quote>',
      'position value at entry (quote currency)',
      parseNumberOption('deposit-value'),
      10_000,
    )
    .option('--positions <json>', 'JSON array of LP specs (as `ilhedge batch` lp; price defaults to the entry price)')
    .option(
      '--policies <list>',
      'comma-separated: unhedged, perp-time, perp-band, options, strip',
      'unhedged,perp-time,perp-band,options,strip',
    )
    .option(
      '--hedge-interval-hours <hours>',
      'perp-time: hedge every this many hours',
      parseNumberOption('hedge-interval-hours'),
      8,
    )
    .option(
      '--band-k <k>',
      'perp-band and options: gamma band half-width k|Gamma|S sigma sqrt(dt)',
      parseNumberOption('band-k'),
      1.5,
    )
    .option(
      '--review-hours <hours>',
      'options: review (and re-optimise if gamma is off) every this many hours',
      parseNumberOption('review-hours'),
      24,
    )
    .option(
      '--roll-hours <hours>',
      'options: close legs this many hours before expiry',
      parseNumberOption('roll-hours'),
      48,
    )
    .option(
      '--strip-horizon-days <days>',
      'strip: expiry is the first Friday 08:00 UTC at least this far out',
      parseNumberOption('strip-horizon-days'),
      30,
    )
    .option('--no-sell', 'options: only buy options (the ticket default); by default the lab may sell to unwind')
    .option(
      '--perp-cost-bp <bp>',
      'perp half-spread plus fee, basis points of notional',
      parseNumberOption('perp-cost-bp'),
      5,
    )
    .option('--perp-lot <base>', 'perp order step, base units (0: any size)', parseNumberOption('perp-lot'), 0.001)
    .option(
      '--option-spread-vol <decimal>',
      'option bid/ask width in vol (0.02 = 2 vol points)',
      parseNumberOption('option-spread-vol'),
      0.02,
    )
    .option(
      '--option-fee <decimal>',
      'option taker fee, fraction of the underlying per base unit (cap 12.5% of premium)',
      parseNumberOption('option-fee'),
      0.0003,
    )
    .option('--option-lot <base>', 'option order step and minimum, base units', parseNumberOption('option-lot'), 0.1)
    .option(
      '--fee-apr <decimal>',
      'fee APR on position value while in range, when no pool series is given',
      parseNumberOption('fee-apr'),
      0.1,
    )
    .option(
      '--funding-apr <decimal>',
      'perp funding a year (longs pay), when no funding series is given',
      parseNumberOption('funding-apr'),
      0,
    )
    .option(
      '--vol <decimal>',
      'implied vol for the options when no IV series is given (default: realised vol)',
      parseNumberOption('vol'),
    )
    .option('--json', 'print JSON instead of tables')
    .option('--report <file>', 'write an HTML report with plots to this file');
}

/** Prints a lab run: JSON, or the assumptions and two tables; writes the HTML report when asked. */
export async function printLabResult(
  result: LabRunResult,
  options: { json?: boolean; report?: string },
): Promise<void> {
  const { printJson, renderTable } = await import('../output.js');
  const { resultJson } = await import('../../../lab/commands.js');
  if (options.report) {
    const { renderReport } = await import('../../../lab/report/html.js');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(options.report, renderReport(result.report));
  }
  if (options.json) return printJson(resultJson(result));
  const lines = [result.description, ...result.assumptions.map((a) => `assumed: ${a}`)];
  const ps = result.policies;
  const avg = result.kind === 'simulate' ? ' (mean per path)' : '';
  lines.push(
    `P&L against HODL, quote currency${avg}:`,
    renderTable(ps, [
      { header: 'policy', value: (p) => p.policy, align: 'left' },
      { header: 'IL', value: (p) => round(p.il) },
      { header: 'fees', value: (p) => round(p.fees) },
      { header: 'hedge', value: (p) => round(p.hedgePnl) },
      { header: 'delta', value: (p) => round(p.attribution.delta) },
      { header: 'gamma', value: (p) => round(p.attribution.gamma) },
      { header: 'theta', value: (p) => round(p.attribution.theta) },
      { header: 'vega', value: (p) => round(p.attribution.vega) },
      { header: 'resid', value: (p) => round(p.attribution.residual) },
      { header: 'funding', value: (p) => round(p.funding) },
      { header: 'costs', value: (p) => round(p.costs) },
      { header: 'total', value: (p) => round(p.total) },
    ]),
    `risk of the ${ps[0]?.riskOf ?? ''} (VaR/CVaR are losses):`,
    renderTable(ps, [
      { header: 'policy', value: (p) => p.policy, align: 'left' },
      { header: 'mean', value: (p) => round(p.risk.mean) },
      { header: 'sd', value: (p) => round(p.risk.sd) },
      { header: 'VaR 95', value: (p) => round(p.risk.var95) },
      { header: 'CVaR 95', value: (p) => round(p.risk.cvar95) },
      { header: 'VaR 99', value: (p) => round(p.risk.var99) },
      { header: 'CVaR 99', value: (p) => round(p.risk.cvar99) },
      { header: 'worst drawdown', value: (p) => round(p.worstDrawdown) },
      { header: 'trades', value: (p) => round(p.trades) },
    ]),
  );
  for (const p of ps) for (const w of p.warnings) lines.push(`warning: ${p.policy}: ${w}`);
  if (options.report) lines.push(`report written to ${options.report}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function round(x: number): number {
  return Math.abs(x) >= 1 ? Math.round(x * 100) / 100 : Number(x.toPrecision(4));
}

/** Turns the lab's named errors into CLI errors (exit 1), and commander-level problems into usage errors. */
export async function withLabErrors<T>(fn: () => Promise<T>): Promise<T> {
  const { LabError } = await import('../../../lab/errors.js');
  try {
    return await fn();
  } catch (error) {
    if (error instanceof LabError) throw new CliError(error.message);
    throw error;
  }
}

function parseFilter(name: string): (raw: string) => { column: string; value: string } {
  return (raw: string) => {
    const m = /^([^=]+)=(.+)$/.exec(raw);
    if (!m) throw new CliError(`--${name}: expected column=value, got ${JSON.stringify(raw)}`, EXIT_USAGE);
    return { column: m[1]!.trim(), value: m[2]!.trim() };
  };
}

function parseTime(name: string): (raw: string) => number {
  return (raw: string) => {
    const ms = /^\d+$/.test(raw)
      ? Number(raw)
      : Date.parse(/T/.test(raw) && !/Z|[+-]\d\d:?\d\d$/.test(raw) ? raw + 'Z' : raw);
    if (!Number.isFinite(ms))
      throw new CliError(`--${name}: expected an ISO-8601 time or epoch ms, got ${JSON.stringify(raw)}`, EXIT_USAGE);
    return ms;
  };
}

interface BacktestOptions extends LabCommonOptions {
  prices: string;
  priceColumn?: string;
  pool?: string;
  poolFilter?: { column: string; value: string };
  poolToken0: 'quote' | 'base';
  poolDecimals: string;
  feeTier?: number;
  iv?: string;
  ivFormat: 'auto' | 'decimal' | 'percent';
  ivFilter?: { column: string; value: string };
  funding?: string;
  fundingFilter?: { column: string; value: string };
  from?: number;
  to?: number;
}

export function register(program: Command): void {
  const command = program
    .command('backtest')
    .description(
      'Run LP positions along a historical path under several hedge policies side by side: unhedged, perp delta\n' +
        'hedge (every --hedge-interval-hours, or on a gamma band), delta-gamma with options through the ticket\n' +
        "engine's optimiser on a Black-76 chain at the path's implied vol, and the static Carr-Madan strip rolled at\n" +
        'expiry. P&L is against holding the entry amounts (HODL): IL, fees, hedge P&L (delta/gamma/theta/vega parts),\n' +
        'funding, costs, total, with VaR/CVaR of the daily changes, worst drawdown and trades. CSV inputs have a\n' +
        'header and a `timestamp` column (ISO-8601 or epoch ms); missing series are replaced by stated constants.',
    )
    .requiredOption(
      '--prices <csv>',
      'price history: timestamp, price (quote per base; `close` is used if there is no `price`)',
    )
    .option('--price-column <name>', 'column to read the price from')
    .option(
      '--pool <csv>',
      'Uniswap v3 pool history: feeGrowthGlobal0X128/1X128 (hourly), or volumeUSD, tvlUSD, feeTier',
    )
    .option(
      '--pool-filter <column=value>',
      'keep only these pool rows (long files, e.g. pool=0x4e68...)',
      parseFilter('pool-filter'),
    )
    .option('--pool-token0 <quote|base>', 'which token is token0 (USDC/WETH: quote)', 'quote')
    .option('--pool-decimals <d0,d1>', 'token0 and token1 decimals', '6,18')
    .option(
      '--fee-tier <hundredths-of-bip>',
      'fee tier when the pool file has no feeTier column (3000 = 0.3%)',
      parseNumberOption('fee-tier'),
    )
    .option('--iv <csv>', 'implied vol history: `iv` (decimal), `dvol` or `close` (DVOL, percent)')
    .option('--iv-format <auto|decimal|percent>', 'how to read the IV column', 'auto')
    .option('--iv-filter <column=value>', 'keep only these IV rows (e.g. currency=ETH)', parseFilter('iv-filter'))
    .option('--funding <csv>', 'perp funding history: funding_rate per funding_interval_hours (default 8)')
    .option(
      '--funding-filter <column=value>',
      'keep only these funding rows (e.g. symbol=ETHUSDT)',
      parseFilter('funding-filter'),
    )
    .option('--from <time>', 'first time to use (ISO-8601 or ms)', parseTime('from'))
    .option('--to <time>', 'last time to use (ISO-8601 or ms)', parseTime('to'));
  addLabCommonOptions(command).action(async (options: BacktestOptions) =>
    withLabErrors(async () => {
      const { backtestRun } = await import('../../../lab/commands.js');
      const { readFileSync } = await import('node:fs');
      const read = (file: string) => {
        try {
          return readFileSync(file, 'utf8');
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
        }
      };
      const decimals = options.poolDecimals.split(',').map(Number);
      if (decimals.length !== 2 || decimals.some((d) => !Number.isInteger(d) || d < 0))
        throw new CliError(
          `--pool-decimals: expected two whole numbers like 6,18, got ${options.poolDecimals}`,
          EXIT_USAGE,
        );
      if (!['quote', 'base'].includes(options.poolToken0))
        throw new CliError(`--pool-token0: expected quote or base, got ${options.poolToken0}`, EXIT_USAGE);
      if (!['auto', 'decimal', 'percent'].includes(options.ivFormat))
        throw new CliError(`--iv-format: expected auto, decimal or percent, got ${options.ivFormat}`, EXIT_USAGE);
      const result = await backtestRun({
        history: {
          prices: { text: read(options.prices), file: options.prices, column: options.priceColumn ?? null },
          pool: options.pool
            ? { text: read(options.pool), file: options.pool, filter: options.poolFilter ?? null }
            : null,
          iv: options.iv
            ? { text: read(options.iv), file: options.iv, format: options.ivFormat, filter: options.ivFilter ?? null }
            : null,
          funding: options.funding
            ? { text: read(options.funding), file: options.funding, filter: options.fundingFilter ?? null }
            : null,
          fromMs: options.from ?? null,
          toMs: options.to ?? null,
          defaults: { feeApr: options.feeApr, vol: options.vol ?? null, fundingApr: options.fundingApr },
          feeTier: options.feeTier ?? null,
          poolToken0IsQuote: options.poolToken0 === 'quote',
          poolDecimals: [decimals[0]!, decimals[1]!],
        },
        common: options,
      });
      await printLabResult(result, options);
    }),
  );
}
