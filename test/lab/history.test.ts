import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../lab/errors.js';
import { asOfIndices, parseCsv, readSeries } from '../../lab/history/csv.js';
import { loadHistory, realisedVol } from '../../lab/history/load.js';

const DIR = 'test/fixtures/history/';
const read = (f: string) => ({ text: readFileSync(DIR + f, 'utf8'), file: f });
const defaults = { feeApr: 0.1, vol: null, fundingApr: 0.05 };

describe('history CSV', () => {
  it('reads ISO and epoch-ms timestamps', () => {
    const t = parseCsv('timestamp,price\n2024-01-01T00:00:00Z,1\n1704070800000,2\n2024-01-01T02:00,3\n', 'x.csv');
    const s = readSeries(t, { column: 'price', positive: true });
    expect(Array.from(s.timesMs)).toEqual([1704067200000, 1704070800000, 1704074400000]);
  });

  it.each([
    ['timestamp,price\n2024-01-01T00:00:00Z,abc\n', /x\.csv:2 column price: not a number/],
    ['timestamp,price\n2024-01-01T00:00:00Z,-5\n', /x\.csv:2 column price: must be greater than 0/],
    ['timestamp,price\nyesterday,5\n', /x\.csv:2 column timestamp: not an ISO-8601 time/],
    ['timestamp,price\n1704067200,5\n', /looks like epoch seconds/],
    [
      'timestamp,price\n2024-01-02T00:00:00Z,5\n2024-01-01T00:00:00Z,5\n',
      /x\.csv:3 column timestamp: times must be strictly increasing/,
    ],
    ['timestamp,price\n2024-01-01T00:00:00Z,5,6\n', /x\.csv:2: expected 2 fields, found 3/],
    ['time,price\n2024-01-01T00:00:00Z,5\n', /x\.csv:1 column timestamp: missing column/],
    ['timestamp,price\n', /no data rows/],
  ])('refuses bad input by name: %j', (text, message) => {
    expect(() => readSeries(parseCsv(text, 'x.csv'), { column: 'price', positive: true })).toThrow(HistoryFormatError);
    expect(() => readSeries(parseCsv(text, 'x.csv'), { column: 'price', positive: true })).toThrow(message);
  });

  it('as-of join picks the last row at or before each time', () => {
    const idx = asOfIndices({ timesMs: Float64Array.from([10, 20, 30]) }, Float64Array.from([5, 10, 15, 30, 99]));
    expect(Array.from(idx)).toEqual([-1, 0, 0, 2, 2]);
  });
});

describe('loadHistory on the real fixtures', () => {
  it('prices only: states every assumption, realised vol for the options', () => {
    const h = loadHistory({ prices: read('binance_spot_ethusdt_1h_2022-07_2023-06.csv'), defaults });
    expect(h.prices.length).toBe(8759);
    expect(h.prices[0]).toBe(1095.75);
    expect(h.assumptions.join('\n')).toMatch(/used `close`/);
    expect(h.assumptions.join('\n')).toMatch(/--fee-apr 0.1/);
    expect(h.assumptions.join('\n')).toMatch(/--funding-apr 0.05/);
    expect(h.assumptions.join('\n')).toMatch(/realised vol/);
    expect(h.vols[0]).toBeCloseTo(realisedVol(h.timesMs, h.prices), 12);
    expect(h.vols[0]).toBeGreaterThan(0.4);
    expect(h.vols[0]).toBeLessThan(1.2);
  });

  it('joins DVOL (percent -> decimal), funding (annualised) and pool fee growth by time', () => {
    const h = loadHistory({
      prices: read('binance_spot_ethusdt_1h_2022-07_2023-06.csv'),
      iv: { ...read('deribit_dvol_eth_daily_2022-07_2023-06.csv'), filter: { column: 'currency', value: 'ETH' } },
      funding: {
        ...read('binance_usdm_funding_ethusdt_8h_2022-07_2023-06.csv'),
        filter: { column: 'symbol', value: 'ETHUSDT' },
      },
      pool: read('univ3_usdc_weth_030_hourly_2022-07_2023-06.csv'),
      defaults,
    });
    // 2022-07-01 DVOL close 119.0 -> 1.19; first funding -0.00013323 per 8 h -> x 1095 a year.
    expect(h.vols[0]).toBeCloseTo(1.19, 12);
    expect(h.vols[23]).toBeCloseTo(1.19, 12);
    expect(h.vols[24]).toBeCloseTo(1.1459, 12);
    expect(h.fundingPerYear[0]).toBeCloseTo((-0.00013323 * 8760) / 8, 12);
    expect(h.fundingPerYear[8]).toBeCloseTo((0.00004122 * 8760) / 8, 12);
    expect(h.fees.kind).toBe('fee-growth');
    if (h.fees.kind === 'fee-growth') {
      expect(h.fees.feeGrowth0[0]).toBe(2.422606931873224e33);
      for (let i = 1; i < h.fees.feeGrowth0.length; i++)
        expect(h.fees.feeGrowth0[i]!).toBeGreaterThanOrEqual(h.fees.feeGrowth0[i - 1]!);
    }
  });

  it('a DVOL file without the currency filter is refused: two rows per day are not increasing', () => {
    const text = 'timestamp,currency,close\n2024-01-01T00:00:00Z,BTC,50\n2024-01-01T00:00:00Z,ETH,60\n';
    expect(() =>
      loadHistory({
        prices: read('binance_spot_ethusdt_1h_2022-07_2023-06.csv'),
        iv: { text, file: 'dvol.csv' },
        defaults,
      }),
    ).toThrow(/dvol\.csv:3 column timestamp: times must be strictly increasing/);
  });

  it('pool volume/TVL files give a fee APR on full-range value', () => {
    const text =
      'timestamp,feeTier,tvlUSD,volumeUSD\n2024-01-01T00:00:00Z,3000,1000000,100000\n2024-01-02T00:00:00Z,3000,1000000,200000\n';
    const prices = {
      text: 'timestamp,price\n2024-01-01T00:00:00Z,100\n2024-01-01T12:00:00Z,101\n2024-01-02T06:00:00Z,102\n',
      file: 'p.csv',
    };
    const h = loadHistory({ prices, pool: { text, file: 'pool.csv' }, defaults });
    expect(h.fees.kind).toBe('pool-apr');
    if (h.fees.kind === 'pool-apr') {
      expect(h.fees.aprFullRange[0]).toBeCloseTo((300 / 1e6) * 365, 12);
      expect(h.fees.aprFullRange[2]).toBeCloseTo((600 / 1e6) * 365, 12);
    }
  });
});
