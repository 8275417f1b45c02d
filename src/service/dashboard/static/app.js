// ilhedge desk dashboard: plain ES modules, no build step, no framework. Every API call carries the key from
// sessionStorage; the book, the positions and the session chart are fed by the /ws stream (the key goes as a
// `bearer.<key>` subprotocol: browsers cannot set headers on a websocket). Charts are uPlot (served by the
// service under vendor/uplot/, loaded as the global `uPlot`).
//
// Every number on the page is a number the API sent, formatted (rounded for display) and never recomputed; each
// numeric cell keeps the exact value in `data-value`. Units are in the headers: delta in base units, gamma in base
// per USD, vega in USD per vol point, theta in USD per day.
//
// This is the entry: the modules register their own form and button handlers when imported; this file adds the
// window's resize handler and starts the page.
import { state } from './state.js';
import { $ } from './dom.js';
import { start } from './login.js';
import './holdings.js';
import './tickets.js';
import './backtest.js';
import './orders.js';

window.addEventListener('resize', () => {
  const live = state.live.chart;
  if (live) live.setSize({ width: Math.max(320, $('live-chart').clientWidth - 4), height: 300 });
  const payoff = state.payoffChart;
  if (payoff) payoff.setSize({ width: Math.max(320, $('payoff').clientWidth - 4), height: 320 });
});

start();
