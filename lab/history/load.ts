/**
 * History for a backtest: the price series (required) and the optional pool, implied-vol and funding series, joined
 * onto the price times as of each price time (the last row at or before it). Whatever is missing is replaced by a
 * stated constant, and every such choice is written to `assumptions` so the run can print it.
 *
 * Units: prices quote per base; `iv` decimal, DVOL percent (divided by 100 here); funding a fraction per interval of
 * `funding_interval_hours` hours (default 8), annualised here as rate x 8760 / interval (ACT/365 hours);
 * fees as an APR (fraction of value per year) or from Uniswap v3 fee growth.
 */
import { HistoryFormatError, LabInputError } from '../errors.js';
import type { FeeSource, MarketPath } from '../types.js';
import { asOfIndices, columnIndex, hasColumn, parseCsv, readSeries } from './csv.js';
import { HOURS_PER_YEAR, MS_PER_DAY, MS_PER_YEAR } from '../../pricing/time.js';

export interface CsvSource {
  text: string;
  /** Name used in messages (the path). */
  file: string;
}

export interface HistoryInput {
  prices: CsvSource & { column?: string | null };
  pool?: (CsvSource & { filter?: { column: string; value: string } | null }) | null;
  iv?:
    (CsvSource & { format?: 'auto' | 'decimal' | 'percent'; filter?: { column: string; value: string } | null }) | null;
  funding?: (CsvSource & { filter?: { column: string; value: string } | null }) | null;
  /** Keep price rows with from <= t <= to (ms). */
  fromMs?: number | null;
  toMs?: number | null;
  /** Stated constants for the series that are missing. */
  defaults: {
    /** Fee APR on position value while in range (decimal per year). */
    feeApr: number;
    /** Implied vol (decimal). When null and no IV series is given, the realised vol of the price series is used. */
    vol: number | null;
    /** Funding APR paid by longs (decimal per year). */
    fundingApr: number;
  };
  /** Fee tier in hundredths of a bip (3000 = 0.3%), when the pool file has no `feeTier` column. */
  feeTier?: number | null;
  /** Uniswap pool token order and decimals, for fee growth: is token0 the quote token (USDC/WETH: yes)? */
  poolToken0IsQuote?: boolean;
  poolDecimals?: [number, number];
}

export interface History extends MarketPath {
  assumptions: string[];
  sources: string[];
}

function loadPrices(input: HistoryInput): { timesMs: Float64Array; prices: Float64Array; note: string | null } {
  const table = parseCsv(input.prices.text, input.prices.file);
  let column = input.prices.column ?? null;
  let note: string | null = null;
  if (!column) {
    if (hasColumn(table, 'price')) column = 'price';
    else if (hasColumn(table, 'close')) {
      column = 'close';
      note = `${input.prices.file}: no \`price\` column, used \`close\` (the bar's last price) as the price`;
    } else column = 'price';
  }
  const s = readSeries(table, { column, positive: true });
  let lo = 0;
  let hi = s.timesMs.length;
  if (input.fromMs != null) while (lo < hi && s.timesMs[lo]! < input.fromMs) lo++;
  if (input.toMs != null) while (hi > lo && s.timesMs[hi - 1]! > input.toMs) hi--;
  if (hi - lo < 2)
    throw new HistoryFormatError(input.prices.file, null, null, 'fewer than two price rows in the requested window');
  return { timesMs: s.timesMs.slice(lo, hi), prices: s.values.slice(lo, hi), note };
}

/** Realised vol of log returns, annualised by the mean step length (calendar time). */
export function realisedVol(timesMs: Float64Array, prices: Float64Array): number {
  let sum = 0;
  let sumSq = 0;
  const n = prices.length - 1;
  for (let i = 1; i <= n; i++) {
    const r = Math.log(prices[i]! / prices[i - 1]!);
    sum += r;
    sumSq += r * r;
  }
  const variance = (sumSq - (sum * sum) / n) / (n - 1);
  const stepYears = (timesMs[n]! - timesMs[0]!) / n / MS_PER_YEAR;
  return Math.sqrt(variance / stepYears);
}

function joinAsOf(
  series: { timesMs: Float64Array; values: Float64Array },
  at: Float64Array,
  file: string,
  what: string,
  assumptions: string[],
): Float64Array {
  const idx = asOfIndices(series, at);
  const out = new Float64Array(at.length);
  let before = 0;
  for (let i = 0; i < at.length; i++) {
    const j = idx[i]!;
    if (j < 0) {
      before++;
      out[i] = series.values[0]!;
    } else out[i] = series.values[j]!;
  }
  if (before > 0)
    assumptions.push(`${file}: ${what} starts after the first ${before} price rows; its first value is used for them`);
  return out;
}

function loadIv(input: NonNullable<HistoryInput['iv']>, at: Float64Array, assumptions: string[]): Float64Array {
  const table = parseCsv(input.text, input.file);
  let format = input.format ?? 'auto';
  let column: string;
  if (hasColumn(table, 'iv')) {
    column = 'iv';
    if (format === 'auto') format = 'decimal';
  } else if (hasColumn(table, 'dvol')) {
    column = 'dvol';
    if (format === 'auto') format = 'percent';
  } else if (hasColumn(table, 'close')) {
    column = 'close';
    if (format === 'auto') format = 'percent';
    assumptions.push(`${input.file}: the \`close\` column is read as the DVOL index in percent`);
  } else {
    columnIndex(table, 'iv'); // throws the named error
    throw new Error('unreachable');
  }
  const s = readSeries(table, { column, filter: input.filter ?? null, positive: true });
  const scale = format === 'percent' ? 0.01 : 1;
  if (scale !== 1) for (let i = 0; i < s.values.length; i++) s.values[i]! *= scale;
  for (let i = 0; i < s.values.length; i++)
    if (s.values[i]! > 5)
      throw new HistoryFormatError(
        input.file,
        null,
        column,
        `implied vol ${s.values[i]} above 500%: a percent read as a decimal? use the iv format option`,
      );
  return joinAsOf(s, at, input.file, 'implied vol', assumptions);
}

function loadFunding(
  input: NonNullable<HistoryInput['funding']>,
  at: Float64Array,
  assumptions: string[],
): Float64Array {
  const table = parseCsv(input.text, input.file);
  const s = readSeries(table, { column: 'funding_rate', filter: input.filter ?? null });
  const intervalHours = 8;
  if (hasColumn(table, 'funding_interval_hours')) {
    const iv = readSeries(table, { column: 'funding_interval_hours', filter: input.filter ?? null, positive: true });
    // Each rate annualised with its own interval.
    for (let i = 0; i < s.values.length; i++) s.values[i] = (s.values[i]! * HOURS_PER_YEAR) / iv.values[i]!;
  } else {
    assumptions.push(`${input.file}: no funding_interval_hours column; rates taken per ${intervalHours} h`);
    for (let i = 0; i < s.values.length; i++) s.values[i] = (s.values[i]! * HOURS_PER_YEAR) / intervalHours;
  }
  assumptions.push(
    `${input.file}: each funding rate applies from its settlement time until the next one (as-of join), accrued per hour`,
  );
  return joinAsOf(s, at, input.file, 'funding', assumptions);
}

function loadPool(input: HistoryInput, at: Float64Array, assumptions: string[]): FeeSource {
  const pool = input.pool!;
  const table = parseCsv(pool.text, pool.file);
  const filter = pool.filter ?? null;
  if (hasColumn(table, 'feeGrowthGlobal0X128') && hasColumn(table, 'feeGrowthGlobal1X128')) {
    const fg0 = readSeries(table, { column: 'feeGrowthGlobal0X128', filter });
    const fg1 = readSeries(table, { column: 'feeGrowthGlobal1X128', filter });
    const [d0, d1] = input.poolDecimals ?? [6, 18];
    const token0IsQuote = input.poolToken0IsQuote ?? true;
    assumptions.push(
      `${pool.file}: fees from fee growth: a position of raw liquidity L earns L x d(feeGrowthGlobal)/2^128 of each ` +
        `token while in range (checked at the start of each step); token0 is the ${token0IsQuote ? 'quote' : 'base'} ` +
        `token, decimals ${d0}/${d1}; raw L = human L x 10^((${d0}+${d1})/2)`,
    );
    return {
      kind: 'fee-growth',
      feeGrowth0: joinAsOf(fg0, at, pool.file, 'fee growth', assumptions),
      feeGrowth1: joinAsOf(fg1, at, pool.file, 'fee growth', assumptions),
      token0IsQuote,
      decimals0: d0,
      decimals1: d1,
    };
  }
  if (hasColumn(table, 'volumeUSD') && hasColumn(table, 'tvlUSD')) {
    const volume = readSeries(table, { column: 'volumeUSD', filter });
    const tvl = readSeries(table, { column: 'tvlUSD', filter });
    let tier: Float64Array;
    if (hasColumn(table, 'feeTier')) tier = readSeries(table, { column: 'feeTier', filter, positive: true }).values;
    else if (input.feeTier != null) tier = new Float64Array(volume.values.length).fill(input.feeTier);
    else throw new HistoryFormatError(pool.file, 1, 'feeTier', 'missing column; give the fee tier option instead');
    const apr = new Float64Array(volume.values.length);
    for (let i = 0; i < apr.length; i++) {
      const next = i + 1 < apr.length ? volume.timesMs[i + 1]! : volume.timesMs[i]! + MS_PER_DAY;
      const periodYears = (next - volume.timesMs[i]!) / MS_PER_YEAR;
      const fees = (volume.values[i]! * tier[i]!) / 1e6;
      apr[i] = tvl.values[i]! > 0 ? fees / tvl.values[i]! / periodYears : 0;
    }
    assumptions.push(
      `${pool.file}: pool fees = volumeUSD x feeTier / 1e6 per row; the position's share = its value / tvlUSD x the ` +
        `range's concentration 1/(1 - sqrt(P/Pb)/2 - sqrt(Pa/P)/2) while in range (as if the pool's TVL were full range)`,
    );
    return {
      kind: 'pool-apr',
      aprFullRange: joinAsOf({ timesMs: volume.timesMs, values: apr }, at, pool.file, 'pool fees', assumptions),
    };
  }
  throw new HistoryFormatError(
    pool.file,
    1,
    null,
    'a pool file needs feeGrowthGlobal0X128 and feeGrowthGlobal1X128, or volumeUSD and tvlUSD (with feeTier)',
  );
}

export function loadHistory(input: HistoryInput): History {
  const assumptions: string[] = [];
  const sources = [input.prices.file];
  const { timesMs, prices, note } = loadPrices(input);
  if (note) assumptions.push(note);
  for (let i = 1; i < timesMs.length; i++)
    if (timesMs[i]! - timesMs[i - 1]! > 6 * (timesMs[1]! - timesMs[0]!))
      assumptions.push(
        `${input.prices.file}: gap from ${new Date(timesMs[i - 1]!).toISOString()} to ${new Date(timesMs[i]!).toISOString()} (no rows; not filled)`,
      );
  let vols: Float64Array;
  if (input.iv) {
    sources.push(input.iv.file);
    vols = loadIv(input.iv, timesMs, assumptions);
  } else {
    const vol = input.defaults.vol ?? realisedVol(timesMs, prices);
    if (!(vol >= 0 && Number.isFinite(vol))) throw new LabInputError('vol', vol, 'must be a finite decimal at least 0');
    assumptions.push(
      input.defaults.vol != null
        ? `no implied-vol series: options priced at --vol ${vol}`
        : `no implied-vol series and no --vol: options priced at the realised vol of the price series, ${vol.toFixed(4)}`,
    );
    vols = new Float64Array(timesMs.length).fill(vol);
  }
  let fundingPerYear: Float64Array;
  if (input.funding) {
    sources.push(input.funding.file);
    fundingPerYear = loadFunding(input.funding, timesMs, assumptions);
  } else {
    assumptions.push(
      `no funding series: perp funding at --funding-apr ${input.defaults.fundingApr} a year (longs pay)`,
    );
    fundingPerYear = new Float64Array(timesMs.length).fill(input.defaults.fundingApr);
  }
  let fees: FeeSource;
  if (input.pool) {
    sources.push(input.pool.file);
    fees = loadPool(input, timesMs, assumptions);
  } else {
    assumptions.push(
      `no pool series: fees at --fee-apr ${input.defaults.feeApr} of position value a year while in range`,
    );
    fees = { kind: 'apr', aprOnValue: input.defaults.feeApr };
  }
  return { timesMs, prices, vols, fundingPerYear, fees, assumptions, sources };
}
