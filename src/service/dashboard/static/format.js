// ---- formatting (display only): rounding only, every number shown is the API's, never recomputed ----

const group = (x, min, max) =>
  x.toLocaleString('en-US', { minimumFractionDigits: min, maximumFractionDigits: max, useGrouping: true });

/** Display formats by kind; every one is a rounding of the API's number. */
const FORMATS = {
  usd: (x) => group(x, 2, 2), // USD amounts and USD Greeks (vega per vol pt, theta per day)
  price: (x) => group(x, 2, 2), // quote per base
  base: (x) => x.toFixed(4), // base units (BTC)
  gamma: (x) => (x === 0 ? '0' : x.toExponential(3)), // base per quote
  contracts: (x) => group(x, 0, 4),
  px: (x) => group(x, 0, 6), // a price in the instrument's currency (BTC premiums, USD perp)
  ms: (x) => group(x, 0, 0),
  int: (x) => group(x, 0, 0),
};

export function fmt(x, kind = 'base') {
  if (x === null || x === undefined || typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return FORMATS[kind](x);
}

export const isoUtc = (ms) =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + 'Z' : '—';

/** `deribit/BTC` -> `BTC`: the base unit a market's deltas are in. */
export const baseOf = (market) => (typeof market === 'string' && market.includes('/') ? market.split('/')[1] : 'base');
