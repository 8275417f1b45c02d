import type { Command } from 'commander';
import type { OptionGreeks } from '../../../pricing/index.js';
import { perYearToPerDay } from '../../../pricing/time.js';
import { parseNumberOption } from '../output.js';

export function register(program: Command): void {
  program
    .command('price')
    .description(
      'Black-76 price and Greeks of a European option on the forward of its expiry.\n' +
        'Values in the quote currency; delta = dV/dF, vega = dV/dsigma, theta = dV/dt per year (forward fixed).',
    )
    .requiredOption('--type <call|put>', 'option type')
    .requiredOption('--forward <price>', 'forward of the expiry (quote per base)', parseNumberOption('forward'))
    .requiredOption('--strike <price>', 'strike (quote per base)', parseNumberOption('strike'))
    .requiredOption('--expiry-years <years>', 'time to expiry in years, ACT/365', parseNumberOption('expiry-years'))
    .requiredOption('--vol <decimal>', 'implied volatility as a decimal (0.65 = 65%)', parseNumberOption('vol'))
    .option('--rate <decimal>', 'continuously compounded discount rate', parseNumberOption('rate'), 0)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: PriceOptions) => {
      const { priceOp } = await import('../ops/price.js');
      const { printJson, renderKeyValues } = await import('../output.js');
      const request = priceOp.schema.parse({
        op: 'price',
        type: options.type,
        forward: options.forward,
        strike: options.strike,
        expiryYears: options.expiryYears,
        vol: options.vol,
        rate: options.rate,
      });
      const g = priceOp.run(request) as OptionGreeks;
      if (options.json) return printJson(g);
      process.stdout.write(
        renderKeyValues([
          ['price (quote)', g.price],
          ['delta dV/dF', g.delta],
          ['gamma d2V/dF2', g.gamma],
          ['vega dV/dsigma', g.vega],
          ['vega per vol point', g.vega / 100],
          ['theta dV/dt per year', g.theta],
          ['theta per day', perYearToPerDay(g.theta)],
          ['rho dV/dr', g.rho],
          ['vanna d2V/dF dsigma', g.vanna],
          ['volga d2V/dsigma2', g.volga],
        ]) + '\n',
      );
    });
}

interface PriceOptions {
  type: string;
  forward: number;
  strike: number;
  expiryYears: number;
  vol: number;
  rate: number;
  json?: boolean;
}
