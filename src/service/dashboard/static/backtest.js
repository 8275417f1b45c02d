import { state } from './state.js';
import { fmt } from './format.js';
import { $, el, num } from './dom.js';
import { api, errorText } from './api.js';

// ---- the backtest report (POST /api/backtest: the lab on the packaged history) ----

const BACKTEST_COLORS = ['#c9a227', '#4fa3ff', '#3fcf8e', '#e26d5c', '#b48ead'];
const BACKTEST_COLUMNS = [
  ['il', 'usd'],
  ['fees', 'usd'],
  ['hedgePnl', 'usd'],
  ['funding', 'usd'],
  ['costs', 'usd'],
  ['total', 'usd'],
  ['sd', 'usd'],
  ['var95', 'usd'],
  ['cvar95', 'usd'],
  ['worstDrawdown', 'usd'],
  ['trades', 'int'],
];

function renderBacktest(result) {
  $('backtest-description').textContent = result.description;
  const body = $('backtest-table').querySelector('tbody');
  body.replaceChildren(
    ...result.policies.map((p) => {
      const tr = el('tr', { 'data-policy': p.policy });
      tr.append(el('td', {}, p.policy), ...BACKTEST_COLUMNS.map(([k, kind]) => num(p[k], kind, k)));
      return tr;
    }),
  );
  $('backtest-assumptions').replaceChildren(...result.assumptions.map((a) => el('li', {}, a)));
  const host = $('backtest-chart');
  state.backtestChart?.destroy();
  state.backtestChart = null;
  host.replaceChildren();
  if (typeof uPlot === 'undefined') {
    host.textContent = 'chart library (uPlot) not loaded';
    return;
  }
  const s = result.series;
  const opts = {
    width: Math.max(320, host.clientWidth - 4),
    height: 300,
    series: [
      {},
      ...s.totals.map((t, i) => ({
        label: `${t.policy} total (USD)`,
        stroke: BACKTEST_COLORS[i % BACKTEST_COLORS.length],
        width: 2,
        value: (_u, v) => fmt(v, 'usd'),
      })),
    ],
    axes: [
      { stroke: '#8a99a8', grid: { stroke: '#26323d' } },
      { stroke: '#8a99a8', grid: { stroke: '#26323d' }, size: 80, label: 'P&L against HODL (USD)' },
    ],
  };
  const xs = s.timesMs.map((t) => t / 1000);
  state.backtestChart = new uPlot(opts, [xs, ...s.totals.map((t) => t.values)], host);
  host.dataset.points = String(xs.length);
}

$('backtest-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const from = $('backtest-from').value;
  const to = $('backtest-to').value;
  const body = {
    position: {
      model: $('backtest-model').value,
      rangeWidth: Number($('backtest-width').value),
      depositValue: Number($('backtest-deposit').value),
    },
    ...(from ? { from: `${from}T00:00:00Z` } : {}),
    ...(to ? { to: `${to}T23:00:00Z` } : {}),
  };
  $('backtest-msg').textContent = 'running…';
  try {
    const result = await api('POST', '/api/backtest', body);
    renderBacktest(result);
    $('backtest-msg').textContent = `${result.policies.length} policies`;
  } catch (error) {
    $('backtest-msg').textContent = errorText(error);
  }
});
