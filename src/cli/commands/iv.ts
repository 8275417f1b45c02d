import type { Command } from 'commander';
import { parseNumberOption } from '../output.js';

export function register(program: Command): void {
  program
    .command('iv')
    .description(
      "Black-76 implied volatility of an option price (Jäckel's Let's Be Rational: full double precision).\n" +
        'A price outside the no-arbitrage bounds is refused with the bound it breaks.',
    )
    .requiredOption('--type <call|put>', 'option type')
    .requiredOption('--forward <price>', 'forward of the expiry (quote per base)', parseNumberOption('forward'))
    .requiredOption('--strike <price>', 'strike (quote per base)', parseNumberOption('strike'))
    .requiredOption('--expiry-years <years>', 'time to expiry in years, ACT/365', parseNumberOption('expiry-years'))
    .requiredOption('--price <quote>', 'discounted option price in the quote currency', parseNumberOption('price'))
    .option('--rate <decimal>', 'continuously compounded discount rate', parseNumberOption('rate'), 0)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: IvOptions) => {
      const { ivOp } = await import('../ops/iv.js');
      const { printJson, renderKeyValues } = await import('../output.js');
      const { type, forward, strike, expiryYears, price, rate } = options;
      const request = ivOp.schema.parse({ op: 'iv', type, forward, strike, expiryYears, price, rate });
      const { vol } = ivOp.run(request) as { vol: number };
      if (options.json) return printJson({ vol });
      process.stdout.write(
        renderKeyValues([
          ['implied vol (decimal)', vol],
          ['implied vol (%)', vol * 100],
        ]) + '\n',
      );
    });
}

interface IvOptions {
  type: string;
  forward: number;
  strike: number;
  expiryYears: number;
  price: number;
  rate: number;
  json?: boolean;
}
