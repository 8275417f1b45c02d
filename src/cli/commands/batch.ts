import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('batch')
    .description(
      'Answer JSON-lines requests from stdin, one JSON line out per request, in order.\n' +
        'Each line: {"id":..,"op":"price"|"iv"|"lp"|"uniswapAmounts"|"replicate", ...fields}.\n' +
        'Each answer: {"id":..,"result":{..}} or {"id":..,"error":{"code","message","field"?}}.\n' +
        'A bad line gets an error answer; the batch always goes on. See the README for every op.',
    )
    .action(async () => {
      const { runBatch } = await import('../batch.js');
      await runBatch(process.stdin, process.stdout);
    });
}
