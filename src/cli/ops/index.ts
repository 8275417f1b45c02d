import { ivOp } from './iv.js';
import { lpOp } from './lp.js';
import { priceOp } from './price.js';
import { replicateOp } from './replicate.js';
import type { BatchOp } from './types.js';
import { uniswapAmountsOp } from './uniswapAmounts.js';

/** The batch protocol's operations by `op` name (the README documents each request and result). */
export const batchOps: Readonly<Record<string, BatchOp>> = {
  price: priceOp,
  iv: ivOp,
  lp: lpOp,
  uniswapAmounts: uniswapAmountsOp,
  replicate: replicateOp,
};
