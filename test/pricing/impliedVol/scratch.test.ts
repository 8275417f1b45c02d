import { test } from 'vitest';
import { black76Price, black76Greeks } from '../../../pricing/black.js';
import { impliedVolBlack76 } from '../../../pricing/impliedVol.js';
const EPS = 2.220446049250313e-16;
test('scratch', () => {
  const F = 100;
  let worstOtm = 0, worstItmRatio = 0, worstBack = 0, n = 0, under = 0, denorm = 0, itmLost = 0;
  for (let ki = -10; ki <= 10; ki++) for (const d of [1,2,7,14,30,60,90,180,365,730]) for (let vi = 1; vi <= 20; vi++) for (const type of ['call','put'] as const) for (const r of [0, 0.03]) {
    const k = ki * 0.05, T = d / 365, vol = vi / 10, K = F * Math.exp(k);
    const p = black76Price(type, F, K, T, vol, r);
    const iv = impliedVolBlack76(type, F, K, T, p, r);
    const err = Math.abs(iv - vol) / vol;
    const otm = type === 'call' ? K >= F : K <= F;
    n++;
    if (otm) {
      if (p === 0) { under++; continue; }
      if (p < 2.2250738585072014e-308) { denorm++; continue; }
      if (err > worstOtm) { worstOtm = err; console.log('otm', type, k, d, vol, r, p, err); }
    } else {
      const g = black76Greeks(type, F, K, T, vol, r);
      const back = Math.abs(black76Price(type, F, K, T, iv, r) - p) / (EPS * p);
      if (back > worstBack) { worstBack = back; console.log('back', type, k, d, vol, back); }
      const iv0 = Math.max(0, type === 'call' ? F - K : K - F) * Math.exp(-r * T);
      const tv = p - iv0;
      if (tv < 1e3 * EPS * p) { itmLost++; continue; }
      const bound = EPS * p / g.vega;
      const ratio = Math.abs(iv - vol) / bound;
      if (ratio > worstItmRatio) { worstItmRatio = ratio; console.log('itm', type, k, d, vol, r, err, ratio, tv/p); }
    }
  }
  console.log({n, worstOtm, worstItmRatio, worstBack, under, denorm, itmLost});
});
