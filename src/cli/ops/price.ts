import { z } from 'zod';
import { black76Greeks } from '../../../pricing/index.js';
import { finite, optionType, rate, requestId } from './fields.js';
import { defineOp } from './types.js';

/**
 * Black-76 price and Greeks of one option, in the quote currency: delta = dV/dF, gamma = d2V/dF2,
 * vega = dV/dsigma (sigma decimal), theta = dV/dt per year with the forward fixed, rho = dV/dr, vanna, volga.
 */
export const priceRequest = z.object({
  id: requestId,
  op: z.literal('price'),
  type: optionType,
  forward: finite,
  strike: finite,
  expiryYears: finite,
  vol: finite,
  rate,
});

export const priceOp = defineOp(priceRequest, (r) =>
  black76Greeks(r.type, r.forward, r.strike, r.expiryYears, r.vol, r.rate),
);
