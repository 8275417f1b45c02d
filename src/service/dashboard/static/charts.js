import { state } from './state.js';
import { fmt, baseOf } from './format.js';
import { $ } from './dom.js';

const LIVE_MAX_POINTS = 20_000;

// ---- the live session chart (uPlot) ----

function liveChartOpts(base) {
  const width = Math.max(320, $('live-chart').clientWidth - 4);
  return {
    width,
    height: 300,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    scales: { x: { time: true }, usd: { auto: true }, base: { auto: true } },
    series: [
      { label: 'market time (UTC)' },
      {
        label: `price (USD/${base})`,
        scale: 'usd',
        stroke: '#4fa3ff',
        width: 2,
        value: (_u, v) => fmt(v, 'price'),
      },
      {
        label: `net delta (${base})`,
        scale: 'base',
        stroke: '#3fcf8e',
        width: 2,
        value: (_u, v) => fmt(v, 'base'),
      },
    ],
    axes: [
      { stroke: '#8a99a8', grid: { stroke: '#26323d' } },
      { scale: 'usd', label: `price (USD/${base})`, stroke: '#4fa3ff', grid: { stroke: '#26323d' }, size: 70 },
      { scale: 'base', label: `net delta (${base})`, side: 1, stroke: '#3fcf8e', grid: { show: false }, size: 70 },
    ],
  };
}

export function pushLive(x, price, delta) {
  const live = state.live;
  if (typeof x !== 'number' || !Number.isFinite(x)) return;
  const last = live.xs.length - 1;
  if (last >= 0 && x <= live.xs[last]) {
    // Same market time (a feed that does not move its clock): the newer state replaces the point.
    live.price[last] = price;
    live.delta[last] = delta;
  } else {
    live.xs.push(x);
    live.price.push(price);
    live.delta.push(delta);
    if (live.xs.length > LIVE_MAX_POINTS) {
      live.xs.shift();
      live.price.shift();
      live.delta.shift();
    }
  }
  scheduleLive();
}

let livePending = false;
function scheduleLive() {
  if (livePending) return;
  livePending = true;
  requestAnimationFrame(() => {
    livePending = false;
    drawLive();
  });
}

function drawLive() {
  const live = state.live;
  const host = $('live-chart');
  if (typeof uPlot === 'undefined') {
    host.textContent = 'chart library (uPlot) not loaded';
    return;
  }
  const data = [live.xs, live.price, live.delta];
  if (!live.chart) {
    if ($('desk').hidden) return;
    host.replaceChildren();
    live.chart = new uPlot(liveChartOpts(baseOf(live.market)), data, host);
  } else {
    live.chart.setData(data);
  }
  host.dataset.points = String(live.xs.length);
  host.dataset.lastPrice = String(live.price[live.price.length - 1]);
  host.dataset.lastDelta = String(live.delta[live.delta.length - 1]);
}

// ---- payoff chart (uPlot) ----

export function drawPayoff(p, base) {
  const host = $('payoff');
  state.payoffChart?.destroy();
  state.payoffChart = null;
  host.replaceChildren();
  if (typeof uPlot === 'undefined') {
    host.textContent = 'chart library (uPlot) not loaded';
    return;
  }
  const strikes = (p.strikes ?? []).filter((k) => k >= p.prices[0] && k <= p.prices[p.prices.length - 1]);
  const markers = (u) => {
    const { ctx } = u;
    const top = u.bbox.top;
    const bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = '#8a99a8';
    for (const k of strikes) {
      const x = Math.round(u.valToPos(k, 'x', true)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
    }
    if (typeof p.currentPrice === 'number') {
      ctx.setLineDash([]);
      ctx.strokeStyle = '#ffffff';
      const x = Math.round(u.valToPos(p.currentPrice, 'x', true)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
    }
    ctx.restore();
  };
  const opts = {
    width: Math.max(320, host.clientWidth - 4),
    height: 320,
    scales: { x: { time: false } },
    series: [
      { label: `price (USD/${base})`, value: (_u, v) => fmt(v, 'price') },
      { label: 'LP (USD)', stroke: '#4fa3ff', width: 2, value: (_u, v) => fmt(v, 'usd') },
      { label: 'HODL (USD)', stroke: '#c9a227', width: 2, value: (_u, v) => fmt(v, 'usd') },
      { label: 'LP + hedges held and suggested (USD)', stroke: '#3fcf8e', width: 2, value: (_u, v) => fmt(v, 'usd') },
    ],
    axes: [
      { stroke: '#8a99a8', grid: { stroke: '#26323d' }, label: `price at expiry (USD/${base})` },
      { stroke: '#8a99a8', grid: { stroke: '#26323d' }, size: 80, label: 'value (USD)' },
    ],
    hooks: { draw: [markers] },
  };
  const clean = (ys) => ys.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  state.payoffChart = new uPlot(opts, [p.prices, clean(p.lp), clean(p.hodl), clean(p.hedged)], host);
  host.dataset.points = String(p.prices.length);
  host.dataset.strikes = String(strikes.length);
}
