/**
 * The HTML report: one self-contained file (uPlot's JS and CSS inlined from node_modules, so it opens offline) with
 * the comparison table, the attribution per policy (inline SVG bars), the running P&L of each policy, the price path
 * with each policy's rebalances marked, and the distribution of P&L (path totals for a simulation, daily changes
 * for a backtest).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PolicySummary } from '../summary.js';

export interface ReportSeries {
  /** Seconds since the epoch per point (uPlot's time axis). */
  timesSec: number[];
  prices: number[];
  /** Running total per policy (same length as timesSec). */
  totals: { policy: string; values: number[] }[];
  /** Indices into timesSec of the trades of each policy. */
  trades: { policy: string; steps: number[] }[];
}

export interface ReportInput {
  title: string;
  subtitle: string;
  assumptions: string[];
  summaries: PolicySummary[];
  /** One representative path (the backtest, or the first simulated path). */
  series: ReportSeries;
  /** P&L samples per policy for the histograms. */
  distributions: { policy: string; label: string; values: number[] }[];
}

const COLOURS = ['#444444', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e'];
const MAX_POINTS = 4000;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

function uplotAssets(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  const main = require.resolve('uplot');
  const dir = main.slice(0, main.lastIndexOf('/'));
  return { js: readFileSync(`${dir}/uPlot.iife.min.js`, 'utf8'), css: readFileSync(`${dir}/uPlot.min.css`, 'utf8') };
}

/** Keeps every `stride`-th point (and the last) so the file stays small; trades map to the kept index. */
function thin(series: ReportSeries): ReportSeries {
  const n = series.timesSec.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  if (stride === 1) return series;
  const keep: number[] = [];
  for (let i = 0; i < n; i += stride) keep.push(i);
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  const pick = (a: number[]) => keep.map((i) => a[i]!);
  return {
    timesSec: pick(series.timesSec),
    prices: pick(series.prices),
    totals: series.totals.map((t) => ({ policy: t.policy, values: pick(t.values) })),
    trades: series.trades.map((t) => ({
      policy: t.policy,
      steps: [...new Set(t.steps.map((s) => Math.round(s / stride)))],
    })),
  };
}

function histogram(values: number[], bins: number): { edges: number[]; counts: number[] } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  return { edges: Array.from({ length: bins }, (_, i) => lo + (i + 0.5) * width), counts };
}

/** Attribution bars (inline SVG): one group per policy, one bar per component. */
function attributionSvg(summaries: PolicySummary[]): string {
  const parts = ['il', 'fees', 'delta', 'gamma', 'theta', 'vega', 'residual', 'funding', 'costs', 'total'] as const;
  const value = (s: PolicySummary, p: (typeof parts)[number]) =>
    p === 'il' || p === 'fees' || p === 'funding' || p === 'costs' || p === 'total' ? s[p] : s.attribution[p];
  const max = Math.max(1e-9, ...summaries.flatMap((s) => parts.map((p) => Math.abs(value(s, p)))));
  const barW = 14;
  const groupW = parts.length * barW + 30;
  const h = 260;
  const mid = h / 2;
  const svg: string[] = [];
  const width = summaries.length * groupW + 60;
  svg.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h + 60}" font-family="sans-serif" font-size="10">`,
  );
  svg.push(`<line x1="40" x2="${width}" y1="${mid}" y2="${mid}" stroke="#999"/>`);
  svg.push(`<text x="2" y="14">+${fmt(max)}</text><text x="2" y="${h}">-${fmt(max)}</text>`);
  summaries.forEach((s, g) => {
    const x0 = 50 + g * groupW;
    parts.forEach((p, k) => {
      const v = value(s, p);
      const len = (Math.abs(v) / max) * (mid - 10);
      const y = v >= 0 ? mid - len : mid;
      const colour = p === 'total' ? '#000' : v >= 0 ? '#2ca02c' : '#d62728';
      svg.push(
        `<rect x="${x0 + k * barW}" y="${y.toFixed(1)}" width="${barW - 2}" height="${Math.max(0.5, len).toFixed(1)}" fill="${colour}"><title>${s.policy} ${p}: ${fmt(v)}</title></rect>`,
      );
      svg.push(
        `<text x="${x0 + k * barW + 9}" y="${h + 5}" transform="rotate(90 ${x0 + k * barW + 9} ${h + 5})">${p}</text>`,
      );
    });
    svg.push(`<text x="${x0}" y="12" font-weight="bold">${escapeHtml(s.policy)}</text>`);
  });
  svg.push('</svg>');
  return svg.join('');
}

function table(summaries: PolicySummary[]): string {
  const cols: [string, (s: PolicySummary) => number | string][] = [
    ['policy', (s) => s.policy],
    ['IL', (s) => s.il],
    ['fees', (s) => s.fees],
    ['hedge P&L', (s) => s.hedgePnl],
    ['funding', (s) => s.funding],
    ['costs', (s) => s.costs],
    ['total', (s) => s.total],
    ['sd', (s) => s.risk.sd],
    ['VaR 95', (s) => s.risk.var95],
    ['CVaR 95', (s) => s.risk.cvar95],
    ['VaR 99', (s) => s.risk.var99],
    ['CVaR 99', (s) => s.risk.cvar99],
    ['worst drawdown', (s) => s.worstDrawdown],
    ['trades', (s) => s.trades],
  ];
  const head = cols.map(([h]) => `<th>${h}</th>`).join('');
  const rows = summaries
    .map(
      (s) =>
        `<tr>${cols
          .map(([, f]) => {
            const v = f(s);
            return `<td>${typeof v === 'number' ? fmt(v) : escapeHtml(v)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReport(input: ReportInput): string {
  const { js, css } = uplotAssets();
  const series = thin(input.series);
  const hist = input.distributions.map((d) => ({ policy: d.policy, label: d.label, ...histogram(d.values, 40) }));
  const data = JSON.stringify({ series, hist, colours: COLOURS });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>${css}
body{font-family:sans-serif;margin:20px;max-width:1200px}table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child{text-align:left}h2{margin-top:28px}
.note{font-size:12px;color:#555}</style></head><body>
<h1>${escapeHtml(input.title)}</h1><p>${escapeHtml(input.subtitle)}</p>
<p class="note">P&amp;L in the quote currency against holding the LP's entry amounts (HODL). Risk figures are of the ${escapeHtml(input.summaries[0]?.riskOf ?? '')};
VaR and CVaR are losses (positive = loss) at the 95% and 99% levels.</p>
${table(input.summaries)}
<h2>Attribution per policy</h2><p class="note">IL, fees, hedge P&amp;L split into delta, gamma, theta, vega and residual (Taylor, Greeks at each step's start), funding, costs, total.</p>
${attributionSvg(input.summaries)}
<h2>P&amp;L paths</h2><div id="pnl"></div>
<h2>Price path with rebalances</h2><p class="note">Below the price, one row of markers per policy (in legend order): the steps at which it traded.</p><div id="price"></div>
<h2>P&amp;L distributions</h2><div id="dist"></div>
<h2>Assumptions</h2><ul class="note">${input.assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>
<script>${js}</script>
<script>
const D = ${data};
const W = Math.min(1150, window.innerWidth - 40);
const s = D.series;
new uPlot({ width: W, height: 320, axes: [{}, { size: 70 }], series: [{}].concat(s.totals.map((t, i) => ({ label: t.policy, stroke: D.colours[i % D.colours.length], width: 1.5 }))) },
  [s.timesSec].concat(s.totals.map((t) => t.values)), document.getElementById('pnl'));
// Each policy's trades as a row of markers under the price (one row per policy, so they do not hide each other).
const lo = Math.min(...s.prices), hi = Math.max(...s.prices);
const marks = s.trades.map((t, i) => { const y = s.prices.map(() => null); const row = lo - (hi - lo) * 0.06 * (i + 1); for (const k of t.steps) if (k < y.length) y[k] = row; return y; });
new uPlot({ width: W, height: 320, axes: [{}, { size: 70 }], series: [{}, { label: 'price', stroke: '#000', width: 1 }].concat(s.trades.map((t, i) => ({
  label: t.policy + ' trades', stroke: D.colours[i % D.colours.length], width: 0, points: { show: true, size: 5, fill: D.colours[i % D.colours.length] } }))) },
  [s.timesSec, s.prices].concat(marks), document.getElementById('price'));
for (const [i, h] of D.hist.entries()) {
  const div = document.createElement('div'); document.getElementById('dist').appendChild(div);
  new uPlot({ title: h.policy + ': ' + h.label, width: Math.floor(W / 2) - 10, height: 200, scales: { x: { time: false } }, axes: [{}, { size: 50 }],
    series: [{}, { label: 'count', stroke: D.colours[i % D.colours.length], fill: D.colours[i % D.colours.length] + '55', paths: uPlot.paths.stepped({ align: 0 }) }] },
    [h.edges, h.counts], div);
  div.style.display = 'inline-block';
}
</script></body></html>
`;
}
