/**
 * Black-76 against real Deribit option tickers: the 89 `ticker.*.raw` frames (10 BTC/ETH options, 2021-07-22) of
 * test/fixtures/exchanges/deribit/ws_ticker_book_options_2021-07-22.json (a verbatim copy of the shared fixture;
 * origin bmoscon/cryptofeed sample_data, see test/fixtures/exchanges/SOURCES.md).
 *
 * Deribit prices on the forward of each expiry (`underlying_price`), with `mark_iv` in percent rounded to 0.01 and
 * Greeks rounded to 5 decimals, in USD (vega per vol point, theta per day). So for every ticker we compute the Greeks
 * at mark_iv +- 0.005% and require Deribit's value inside that interval widened by half a unit of its last digit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { black76Greeks, type OptionType } from '../../../pricing/black.js';

interface Ticker {
  instrument_name: string;
  timestamp: number;
  underlying_price: number;
  mark_price: number;
  mark_iv: number;
  greeks: { delta: number; gamma: number; vega: number; theta: number; rho: number };
}

const MONTHS: Record<string, number> = {
  JAN: 0,
  FEB: 1,
  MAR: 2,
  APR: 3,
  MAY: 4,
  JUN: 5,
  JUL: 6,
  AUG: 7,
  SEP: 8,
  OCT: 9,
  NOV: 10,
  DEC: 11,
};

function tickers(): Ticker[] {
  const url = new URL('../../fixtures/exchanges/deribit/ws_ticker_book_options_2021-07-22.json', import.meta.url);
  const frames = JSON.parse(readFileSync(url, 'utf8')) as unknown[];
  const out: Ticker[] = [];
  for (const frame of frames) {
    const msg = (typeof frame === 'string' ? JSON.parse(frame) : frame) as {
      params?: { channel?: string; data?: Ticker };
    };
    if (msg.params?.channel?.startsWith('ticker.') && msg.params.data) out.push(msg.params.data);
  }
  return out;
}

/** BTC-24SEP21-34000-P -> call/put, strike, expiry at 08:00 UTC. */
function parseInstrument(name: string): { type: OptionType; strike: number; expiryMs: number } {
  const [, exp, strike, cp] = name.split('-') as [string, string, string, string];
  const m = /^(\d{1,2})([A-Z]{3})(\d{2})$/.exec(exp);
  if (!m) throw new Error(`bad expiry in ${name}`);
  const expiryMs = Date.UTC(2000 + Number(m[3]), MONTHS[m[2]!]!, Number(m[1]), 8);
  return { type: cp === 'C' ? 'call' : 'put', strike: Number(strike), expiryMs };
}

describe('Deribit tickers (2021-07-22)', () => {
  const all = tickers();

  test('the fixture holds 89 option tickers with greeks', () => {
    expect(all).toHaveLength(89);
    expect(new Set(all.map((t) => t.instrument_name)).size).toBe(10);
  });

  test('delta, gamma, vega and theta agree to Deribit precision at the rounded mark_iv', () => {
    let thetaCapped = 0;
    for (const t of all) {
      const { type, strike, expiryMs } = parseInstrument(t.instrument_name);
      const T = (expiryMs - t.timestamp) / (365 * 86_400_000);
      const F = t.underlying_price;
      const lo = black76Greeks(type, F, strike, T, (t.mark_iv - 0.005) / 100);
      const hi = black76Greeks(type, F, strike, T, (t.mark_iv + 0.005) / 100);
      const within = (name: string, a: number, b: number, reported: number, slack: number) => {
        const min = Math.min(a, b) - slack;
        const max = Math.max(a, b) + slack;
        if (!(reported >= min && reported <= max)) {
          throw new Error(`${t.instrument_name} @${t.timestamp} ${name}: Deribit ${reported} outside [${min}, ${max}]`);
        }
      };
      const half = 5e-6; // half a unit of the fifth decimal
      within('delta', lo.delta, hi.delta, t.greeks.delta, half);
      within('gamma', lo.gamma, hi.gamma, t.greeks.gamma, half);
      // Vega is nearly flat in sigma near the money, so the interval is narrow; allow 1e-5 relative for the
      // forward and the vol being snapshotted at slightly different instants.
      within('vega', lo.vega / 100, hi.vega / 100, t.greeks.vega, half + 1e-5 * Math.abs(t.greeks.vega));
      // Deribit reports theta = min(1-day theta, lifetime theta): when a day's decay would exceed the whole value
      // (here ETH-23JUL21-2300-C, 1 day to expiry, 15% out of the money), it reports minus the USD value instead.
      const valueQuote = 0.5 * (lo.price + hi.price);
      if (-lo.theta / 365 > valueQuote) {
        thetaCapped++;
        expect(Math.abs(t.greeks.theta + valueQuote)).toBeLessThan(0.01 * valueQuote + half);
      } else {
        within('theta', lo.theta / 365, hi.theta / 365, t.greeks.theta, half);
      }
    }
    expect(thetaCapped).toBeGreaterThan(0);
    expect(thetaCapped).toBeLessThan(15);
  });

  test('the coin mark price is the USD Black-76 value over the forward (to 1e-3: mark_price and mark_iv are not snapshotted together)', () => {
    for (const t of all) {
      const { type, strike, expiryMs } = parseInstrument(t.instrument_name);
      if (t.mark_price < 1e-4) continue; // at the 0.000001 coin tick, nothing to compare
      const T = (expiryMs - t.timestamp) / (365 * 86_400_000);
      const coin = black76Greeks(type, t.underlying_price, strike, T, t.mark_iv / 100).price / t.underlying_price;
      expect(Math.abs(coin - t.mark_price) / t.mark_price, t.instrument_name).toBeLessThan(1e-3);
    }
  });
});
