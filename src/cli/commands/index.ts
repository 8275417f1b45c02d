import type { Command } from 'commander';
import { register as registerBacktest } from './backtest.js';
import { register as registerBatch } from './batch.js';
import { register as registerBook } from './book.js';
import { register as registerChain } from './chain.js';
import { register as registerDb } from './db.js';
import { register as registerExecute } from './execute.js';
import { register as registerIv } from './iv.js';
import { register as registerKeys } from './keys.js';
import { register as registerLp } from './lp.js';
import { register as registerPrice } from './price.js';
import { register as registerQuote } from './quote.js';
import { register as registerRecord } from './record.js';
import { register as registerReplicate } from './replicate.js';
import { register as registerServe } from './serve.js';
import { register as registerSimulate } from './simulate.js';
import { register as registerSurface } from './surface.js';
import { register as registerTicket } from './ticket.js';

/** Every command, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerPrice(program);
  registerIv(program);
  registerLp(program);
  registerReplicate(program);
  registerBatch(program);
  registerChain(program);
  registerQuote(program);
  registerSurface(program);
  registerRecord(program);
  registerBook(program);
  registerTicket(program);
  registerBacktest(program);
  registerSimulate(program);
  registerServe(program);
  registerKeys(program);
  registerDb(program);
  registerExecute(program);
}
