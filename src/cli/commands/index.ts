import type { Command } from 'commander';
import { register as registerBatch } from './batch.js';
import { register as registerPrice } from './price.js';

/** Every command, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerPrice(program);
  registerBatch(program);
}
