import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { black76Greeks } from '../../pricing/black.js';
import { formatLpProblem, loadSolver, optimiseHedgeWith, type HedgeCandidate } from '../../hedging/optimise.js';
it('dump', async () => {
  const highs = await loadSolver();
  const f = 75000;
  const opts: HedgeCandidate[] = [];
  for (const d of [7, 30]) for (const k of [65000, 70000, 75000, 80000, 85000]) for (const t of ['call','put'] as const) {
      const gr = black76Greeks(t, f, k, d/365, 0.45);
      opts.push({ key: '', delta: gr.delta, gamma: gr.gamma, vega: gr.vega, theta: gr.theta, buyCost: f*(0.001 + Math.abs(k-f)/1e7), sellCost: 0.003*f, lotBase: 0.1, minBase: 0.1, maxBase: Infinity, canBuy: true, canSell: false });
  }
  const p = { book: { delta: 6.5, gamma: -4.6e-4, vega: 0, theta: 0 }, target: {delta:0, gamma:0}, tolerance: {delta: 0.01, gamma: 2e-5}, options: opts, deltaHedge: { key:'p', delta:1, buyCost: 20, sellCost: 20, lotBase: 10/f, minBase: 10/f, maxBase: Infinity } };
  writeFileSync('/tmp/h5/q.lp', formatLpProblem(p, true));
  const ts: number[] = [];
  for (let i = 0; i < 20; i++) { const t = performance.now(); optimiseHedgeWith(highs, p); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log('TIME', ts.map((x) => x.toFixed(1)).join(' '));
});
