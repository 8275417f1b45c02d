import type { Command } from 'commander';
import type { PositionGreeks } from '../../../hedging/index.js';
import type { renderTable as RenderTable } from '../output.js';
import { asCliError } from './ticket.js';

/**
 * The venue balances of the book (hedging/collateral.ts), when it has any: what was stated, what the fills moved
 * (amounts in the balance's currency), the coin held by the venue's coin-settled positions that the balance's delta
 * counts, its delta and its USD value.
 */
function collateralLines(positions: readonly PositionGreeks[], renderTable: typeof RenderTable): string[] {
  const rows = positions.flatMap((p) =>
    p.balance ? [{ id: p.id, delta: p.delta, value: p.value, ...p.balance }] : [],
  );
  if (rows.length === 0) return [];
  return [
    'collateral (amounts in the currency; delta = balance + coin held by the coin-settled positions)',
    renderTable(rows, [
      { header: 'id', value: (b) => b.id, align: 'left' },
      { header: 'venue', value: (b) => b.venue, align: 'left' },
      { header: 'currency', value: (b) => b.currency, align: 'left' },
      { header: 'starting', value: (b) => b.startingInCurrency },
      { header: 'premium', value: (b) => b.premiumInCurrency },
      { header: 'P&L', value: (b) => b.pnlInCurrency },
      { header: 'fees', value: (b) => b.feesInCurrency },
      { header: 'balance', value: (b) => b.balanceInCurrency },
      { header: 'coin held', value: (b) => b.coinHeldBase },
      { header: 'delta', value: (b) => b.delta },
      { header: 'value USD', value: (b) => b.value },
    ]),
  ];
}

interface BookOptions {
  config: string;
  source?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('book')
    .description(
      'Greeks of the desk book now (LP positions plus options, perps and futures held; USD, premium-adjusted delta\n' +
        'for coin-settled options; venue balances, coin collateral carrying delta) and the hedge ratios: perp\n' +
        'contracts for delta, option contracts for gamma (each candidate alone), and the rebalancing band status.',
    )
    .requiredOption('--config <file>', 'desk config (JSON)')
    .option('--source <source>', "market data: builtin, live or replay:<file> (default: the config's market.source)")
    .option('--json', 'print JSON instead of tables')
    .action(async (options: BookOptions) => {
      try {
        const { loadDeskMarket } = await import('../../config/deskMarket.js');
        const { positions, policy, market, asOfMs } = await loadDeskMarket(options.config, options.source);
        const { bookReport, greeksView } = await import('../../../hedging/index.js');
        const { printJson, renderKeyValues, renderTable } = await import('../output.js');
        const report = bookReport(positions, market, asOfMs, policy);
        if (options.json) return printJson(report);
        const out: string[] = [
          `book at ${new Date(asOfMs).toISOString()}  source ${report.source.label}`,
          `price ${report.price} (quote per base)`,
          renderTable(report.positions, [
            { header: 'id', value: (p) => p.id, align: 'left' },
            { header: 'kind', value: (p) => p.kind, align: 'left' },
            {
              header: 'model/instrument',
              value: (p) => p.model ?? p.instrument ?? (p.balance ? `${p.balance.currency} balance` : null),
              align: 'left',
            },
            { header: 'value USD', value: (p) => p.value },
            { header: 'delta', value: (p) => p.delta },
            { header: 'gamma', value: (p) => p.gamma },
            // Display units: vega per vol point, theta per day (the JSON keeps dV/dsigma and dV/dt per year).
            { header: 'vega/vol-pt', value: (p) => greeksView(p).vegaPerVolPoint },
            { header: 'theta/day', value: (p) => greeksView(p).thetaPerDay },
          ]),
          ...collateralLines(report.positions, renderTable),
          renderKeyValues([
            ['book delta (base)', report.total.delta],
            ['book gamma (base per USD)', report.total.gamma],
            ['book vega (USD per vol point)', greeksView(report.total).vegaPerVolPoint],
            ['book theta (USD per day)', greeksView(report.total).thetaPerDay],
            ['book value (USD)', report.total.value],
            [
              'delta hedge',
              report.deltaHedge
                ? `${report.deltaHedge.contracts} contracts ${report.deltaHedge.instrument} (${report.deltaHedge.baseAmount} base)`
                : 'none',
            ],
            ['band half-width (base)', report.band.halfWidthBase],
            ['band', report.band.explanation],
            ['status', report.band.message],
          ]),
          'gamma hedges (each instrument alone)',
          renderTable(report.gammaHedges, [
            { header: 'instrument', value: (h) => h.instrument, align: 'left' },
            { header: 'contracts', value: (h) => h.contracts },
            { header: 'base', value: (h) => h.baseAmount },
            { header: 'cost USD', value: (h) => h.cost },
          ]),
          `carry, USD per day, at vol ${report.carry.vol} (LP theta is its fee income; LVR = sigma^2 P^2 |Gamma| / 2)`,
          renderTable(
            (['lp', 'holdings', 'net'] as const).map((part) => ({ part, ...report.carry[part] })),
            [
              { header: 'part', value: (c) => c.part, align: 'left' },
              { header: 'fees', value: (c) => c.feeIncomeQuotePerDay },
              { header: 'LVR', value: (c) => c.lvrQuotePerDay },
              { header: 'carry', value: (c) => c.carryQuotePerDay },
              { header: 'basis', value: (c) => c.thetaBasis, align: 'left' },
            ],
          ),
        ];
        process.stdout.write(out.join('\n') + '\n');
      } catch (error) {
        throw asCliError(error);
      }
    });
}
