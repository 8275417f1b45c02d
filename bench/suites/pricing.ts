/**
 * Option pricing benchmarks (issue 2): Black-76 price + Greeks over a chain in typed arrays, and Let's-Be-Rational
 * implied vols over the grid, with the npm packages `black-scholes`, `greeks` and `implied-volatility` on
 * the same inputs (rate 0, so their Black-Scholes on spot equals Black-76 on the forward).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { black76Greeks, black76GreeksBatch, black76Price } from '../../pricing/black.js';
import { impliedVolBlack76Batch } from '../../pricing/impliedVol.js';
import { measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

type CallPut = 'call' | 'put';
const require = createRequire(import.meta.url);
const bs = require('black-scholes') as {
  blackScholes(s: number, k: number, t: number, v: number, r: number, callPut: CallPut): number;
};
const greeks = require('greeks') as {
  getDelta(s: number, k: number, t: number, v: number, r: number, callPut: CallPut): number;
  getGamma(s: number, k: number, t: number, v: number, r: number): number;
  getVega(s: number, k: number, t: number, v: number, r: number): number;
  getTheta(s: number, k: number, t: number, v: number, r: number, callPut: CallPut, scale?: number): number;
};
const ivPeer = require('implied-volatility') as {
  getImpliedVolatility(
    price: number,
    s: number,
    k: number,
    t: number,
    r: number,
    callPut: CallPut,
    est?: number,
  ): number;
};

/**
 * Operations per second of CPU time (user + system) of this process, best of 5 rounds of at least `minMs`: on a
 * shared, oversubscribed machine the wall-clock rate of `measureThroughput` mostly measures the other tenants, so we
 * report both.
 */
function cpuThroughput(fn: () => void, opsPerCall: number, minMs = 300): number {
  for (let i = 0; i < 3; i++) fn();
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    let calls = 0;
    let usedUs = 0;
    do {
      fn();
      calls++;
      const used = process.cpuUsage(start);
      usedUs = used.user + used.system;
    } while (usedUs < minMs * 1000);
    best = Math.max(best, (calls * opsPerCall) / (usedUs / 1e6));
  }
  return best;
}

const F = 2000;
const DAYS = [1, 2, 7, 14, 30, 60, 90, 180, 365, 730];

/** The grid of the issue: ln(K/F) -0.5..0.5 by 0.05 x 10 expiries x vol 0.1..2.0 x call/put = 8400 options. */
function grid() {
  const n = 21 * DAYS.length * 20 * 2;
  const g = {
    n,
    isCall: new Uint8Array(n),
    forward: new Float64Array(n).fill(F),
    strike: new Float64Array(n),
    expiryYears: new Float64Array(n),
    vol: new Float64Array(n),
    price: new Float64Array(n),
  };
  let i = 0;
  for (let ki = -10; ki <= 10; ki++)
    for (const d of DAYS)
      for (let vi = 1; vi <= 20; vi++)
        for (const c of [1, 0]) {
          g.isCall[i] = c;
          g.strike[i] = F * Math.exp(ki / 20);
          g.expiryYears[i] = d / 365;
          g.vol[i] = vi / 10;
          i++;
        }
  for (let j = 0; j < n; j++) {
    g.price[j] = black76Price(g.isCall[j] ? 'call' : 'put', F, g.strike[j]!, g.expiryYears[j]!, g.vol[j]!);
  }
  return g;
}

export const pricingSuite: BenchSuite = {
  name: 'pricing',
  async run(): Promise<BenchResult[]> {
    const g = grid();
    const n = g.n;
    const types: CallPut[] = Array.from(g.isCall, (c) => (c ? 'call' : 'put'));
    const out = {
      price: new Float64Array(n),
      delta: new Float64Array(n),
      gamma: new Float64Array(n),
      vega: new Float64Array(n),
      theta: new Float64Array(n),
    };
    const input = { isCall: g.isCall, forward: g.forward, strike: g.strike, expiryYears: g.expiryYears, vol: g.vol };
    let sink = 0;

    // Price + delta, gamma, vega, theta per option, batch over typed arrays.
    const batchOps = measureThroughput(() => {
      black76GreeksBatch(input, out, n);
      sink += out.theta[n - 1]!;
    }, n);
    const batchCpuOps = cpuThroughput(() => {
      black76GreeksBatch(input, out, n);
      sink += out.theta[n - 1]!;
    }, n);
    const scalarOps = measureThroughput(() => {
      for (let i = 0; i < n; i++) sink += black76Greeks(types[i]!, F, g.strike[i]!, g.expiryYears[i]!, g.vol[i]!).vega;
    }, n);
    const priceOps = measureThroughput(() => {
      for (let i = 0; i < n; i++) sink += black76Price(types[i]!, F, g.strike[i]!, g.expiryYears[i]!, g.vol[i]!);
    }, n);
    const peerGreeksOps = measureThroughput(() => {
      for (let i = 0; i < n; i++) {
        const s = F;
        const k = g.strike[i]!;
        const t = g.expiryYears[i]!;
        const v = g.vol[i]!;
        const cp = types[i]!;
        sink +=
          bs.blackScholes(s, k, t, v, 0, cp) +
          greeks.getDelta(s, k, t, v, 0, cp) +
          greeks.getGamma(s, k, t, v, 0) +
          greeks.getVega(s, k, t, v, 0) +
          greeks.getTheta(s, k, t, v, 0, cp);
      }
    }, n);
    const peerPriceOps = measureThroughput(() => {
      for (let i = 0; i < n; i++) sink += bs.blackScholes(F, g.strike[i]!, g.expiryYears[i]!, g.vol[i]!, 0, types[i]!);
    }, n);

    // Implied vols over the whole grid (in and out of the money).
    const ivOut = { vol: new Float64Array(n), status: new Uint8Array(n) };
    const ivInput = {
      isCall: g.isCall,
      forward: g.forward,
      strike: g.strike,
      expiryYears: g.expiryYears,
      price: g.price,
    };
    const ivOps = measureThroughput(() => {
      impliedVolBlack76Batch(ivInput, ivOut, n);
      sink += ivOut.vol[0]!;
    }, n);
    const ivCpuOps = cpuThroughput(() => {
      impliedVolBlack76Batch(ivInput, ivOut, n);
      sink += ivOut.vol[0]!;
    }, n);
    let ourWorst = 0;
    let ourFailures = 0;
    for (let i = 0; i < n; i++) {
      if (ivOut.status[i] !== 0) ourFailures++;
      // Out of the money only: in the money the price itself limits the accuracy (see the tests).
      const otm = g.isCall[i] ? g.strike[i]! >= F : g.strike[i]! <= F;
      if (otm && g.price[i]! > 1e-300) ourWorst = Math.max(ourWorst, Math.abs(ivOut.vol[i]! - g.vol[i]!) / g.vol[i]!);
    }
    // The peer bisects at most 100 times until the price matches "to the cent"; it is slow, so time a slice.
    const peerN = 840;
    const stride = Math.floor(n / peerN);
    const peerIvOps = measureThroughput(
      () => {
        for (let j = 0; j < peerN; j++) {
          const i = j * stride;
          sink += ivPeer.getImpliedVolatility(g.price[i]!, F, g.strike[i]!, g.expiryYears[i]!, 0, types[i]!);
        }
      },
      peerN,
      300,
      3,
    );
    // Failure: more than 1% relative from the true vol (or not finite), over the whole grid.
    let peerFail = 0;
    let peerFailLoose = 0;
    for (let i = 0; i < n; i++) {
      const iv = ivPeer.getImpliedVolatility(g.price[i]!, F, g.strike[i]!, g.expiryYears[i]!, 0, types[i]!);
      const rel = Math.abs(iv - g.vol[i]!) / g.vol[i]!;
      if (!(rel <= 1e-2)) peerFail++;
      if (!(rel <= 1e-1)) peerFailLoose++;
    }
    if (sink === 42) console.log(''); // keep results alive

    return [
      {
        name: 'pricing.black76.greeks',
        opsPerSec: batchOps,
        extra: {
          form: 'batch, typed arrays',
          options: n,
          greeks: 'price+delta+gamma+vega+theta',
          opsPerCpuSecond: Math.round(batchCpuOps),
          loadAverage1m: os.loadavg()[0]!,
        },
      },
      {
        name: 'pricing.black76.greeks.scalar',
        opsPerSec: scalarOps,
        extra: { greeks: 'all 7 + price, object per call' },
      },
      { name: 'pricing.black76.price', opsPerSec: priceOps },
      {
        name: 'peer.greeks.greeks',
        opsPerSec: peerGreeksOps,
        ratioTo: { name: 'pricing.black76.greeks', ratio: batchOps / peerGreeksOps },
        extra: { calls: 'black-scholes price + greeks delta, gamma, vega, theta' },
      },
      {
        name: 'peer.black-scholes.price',
        opsPerSec: peerPriceOps,
        ratioTo: { name: 'pricing.black76.price', ratio: priceOps / peerPriceOps },
      },
      {
        name: 'pricing.impliedVol',
        opsPerSec: ivOps,
        extra: {
          options: n,
          failures: ourFailures,
          worstOtmRelErr: ourWorst,
          opsPerCpuSecond: Math.round(ivCpuOps),
          loadAverage1m: os.loadavg()[0]!,
        },
      },
      {
        name: 'peer.implied-volatility.impliedVol',
        opsPerSec: peerIvOps,
        ratioTo: { name: 'pricing.impliedVol', ratio: ivOps / peerIvOps },
        extra: { failureRateOver1pct: peerFail / n, failureRateOver10pct: peerFailLoose / n },
      },
    ];
  },
};
