import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { loadMarketSnapshot } from '../../adapters/index.js';
import { deskBook, deskPolicy, loadDeskConfig } from '../../src/config/deskConfig.js';
import { selectCandidates } from '../../hedging/candidates.js';
import { formatLpProblem, loadSolver, optimiseHedgeWith } from '../../hedging/optimise.js';
import { valueBook } from '../../hedging/book.js';
it('probe', async () => {
  const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  const config = loadDeskConfig('config/wbtc-usdc-v3-dynamic.json');
  const policy = deskPolicy(config);
  const book = valueBook(deskBook(config), market, market.asOfMs).total;
  const used = selectCandidates(market, market.asOfMs, policy).used;
  const highs = await loadSolver();
  const problem = {
    book, target: policy.target,
    tolerance: { delta: policy.tolerance.deltaBase, gamma: policy.tolerance.gammaRelative * Math.abs(book.gamma) },
    maxLegs: policy.maxLegs as number | null, options: used.map((c) => c.candidate),
    deltaHedge: { key: 'perp', delta: 1, buyCost: 19, sellCost: 19, lotBase: 10 / 75_795, minBase: 10 / 75_795, maxBase: Infinity },
  };
  writeFileSync('/tmp/h5/real.lp', formatLpProblem(problem, true));
  writeFileSync('/tmp/h5/real-nolegs.lp', formatLpProblem({ ...problem, maxLegs: null }, true));
  for (const [label, p] of [['nolegs', { ...problem, maxLegs: null }], ['legs', problem], ['nolegs2', { ...problem, maxLegs: null }], ['legs2', problem]] as const) {
    const ts: number[] = []; const cs: number[] = [];
    for (let i = 0; i < 60; i++) { const c = process.cpuUsage(); const t0 = performance.now(); optimiseHedgeWith(highs, p); ts.push(performance.now() - t0); const d = process.cpuUsage(c); cs.push((d.user + d.system) / 1000); }
    ts.sort((a, b) => a - b); cs.sort((a, b) => a - b);
    console.log('PROBE', label, 'wall p50', ts[30]!.toFixed(2), 'min', ts[0]!.toFixed(2), 'cpu p50', cs[30]!.toFixed(2));
  }
});
