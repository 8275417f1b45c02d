import { z } from 'zod';
import { impliedVolBlack76 } from '../../../pricing/impliedVol.js';
import { finite, optionType, rate, requestId } from './fields.js';
import { defineOp } from './types.js';

/** Black-76 implied volatility (decimal) of a discounted option price in the quote currency. */
export const ivRequest = z.object({
  id: requestId,
  op: z.literal('iv'),
  type: optionType,
  forward: finite,
  strike: finite,
  expiryYears: finite,
  price: finite,
  rate,
});

export const ivOp = defineOp(ivRequest, (r) => ({
  vol: impliedVolBlack76(r.type, r.forward, r.strike, r.expiryYears, r.price, r.rate),
}));
