// ilhedge desk dashboard: a plain ES module, no build step, no framework. Every API call carries the key from
// sessionStorage; the book, the positions and the session chart are fed by the /ws stream (the key goes as a
// `bearer.<key>` subprotocol: browsers cannot set headers on a websocket). Charts are uPlot (served by the
// service under vendor/uplot/, loaded as the global `uPlot`).
//
// Every number on the page is a number the API sent, formatted (rounded for display) and never recomputed; each
// numeric cell keeps the exact value in `data-value`. Units are in the headers: delta in base units, gamma in base
// per USD, vega in USD per vol point, theta in USD per day.
const KEY_STORE = 'ilhedge.key';
const LIVE_MAX_POINTS = 20_000;
const POLL_MS = 3000;

const state = {
  key: sessionStorage.getItem(KEY_STORE),
  positions: [],
  hedges: new Map(),
  book: null,
  markets: new Map(), // market key -> { source, label }
  selected: null,
  tickets: [],
  selectedTicket: null,
  ticketShown: null, // `${id}:${updatedAtMs}` of the ticket detail on screen (the fills form is kept while typing)
  holdings: [],
  ws: null,
  wsGeneration: 0,
  poll: null,
  live: { market: null, xs: [], price: [], delta: [], chart: null, lastSeq: -1 },
  payoffChart: null,
  backtestChart: null,
};

const $ = (id) => document.getElementById(id);

// ---- formatting (display only) ----

const group = (x, min, max) =>
  x.toLocaleString('en-US', { minimumFractionDigits: min, maximumFractionDigits: max, useGrouping: true });

/** Display formats by kind; every one is a rounding of the API's number. */
const FORMATS = {
  usd: (x) => group(x, 2, 2), // USD amounts and USD Greeks (vega per vol pt, theta per day)
  price: (x) => group(x, 2, 2), // quote per base
  base: (x) => x.toFixed(4), // base units (BTC)
  gamma: (x) => (x === 0 ? '0' : x.toExponential(3)), // base per quote
  contracts: (x) => group(x, 0, 4),
  px: (x) => group(x, 0, 6), // a price in the instrument's currency (BTC premiums, USD perp)
  ms: (x) => group(x, 0, 0),
  int: (x) => group(x, 0, 0),
};

function fmt(x, kind = 'base') {
  if (x === null || x === undefined || typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return FORMATS[kind](x);
}

const isoUtc = (ms) =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + 'Z' : '—';

/** `deribit/BTC` -> `BTC`: the base unit a market's deltas are in. */
const baseOf = (market) => (typeof market === 'string' && market.includes('/') ? market.split('/')[1] : 'base');

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body, key = state.key) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error ?? String(res.status), json?.message ?? res.statusText);
  return json;
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A numeric cell: formatted text, the exact value in data-value, a column name in data-col. */
function num(value, kind, col) {
  const td = el('td', { class: 'num', 'data-col': col }, fmt(value, kind));
  if (typeof value === 'number') td.dataset.value = String(value);
  return td;
}

function badge(status) {
  return el('span', { class: `status ${status ?? 'none'}` }, status ?? '—');
}

const errorText = (error) => (error?.code ? `${error.code}: ${error.message}` : String(error?.message ?? error));

// ---- login and key switching ----

function keyId(key) {
  const parts = String(key ?? '').split('_');
  return parts.length >= 3 ? parts[1] : '?';
}

function showLogin(message, switching = false) {
  $('login').hidden = false;
  $('desk').hidden = !switching;
  $('cancel-switch').hidden = !switching;
  $('logout').hidden = true;
  $('switch-key').hidden = true;
  $('login-error').textContent = message ?? '';
  $('key-input').focus();
}

function showDesk() {
  $('login').hidden = true;
  $('desk').hidden = false;
  $('logout').hidden = false;
  $('switch-key').hidden = false;
  $('who').textContent = `key ${keyId(state.key)}`;
}

$('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('key-input').value.trim();
  $('key-input').value = '';
  const switching = !$('cancel-switch').hidden;
  try {
    await api('GET', '/api/positions', undefined, key);
  } catch (error) {
    return showLogin(error.status === 401 ? 'That key was not accepted.' : errorText(error), switching);
  }
  state.key = key;
  sessionStorage.setItem(KEY_STORE, key);
  if (switching) {
    showDesk();
    connect();
    await refreshSlow();
  } else {
    await start();
  }
});

$('cancel-switch').addEventListener('click', () => showDesk());
$('switch-key').addEventListener('click', () => showLogin('', true));

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORE);
  state.key = null;
  closeWs();
  clearInterval(state.poll);
  showLogin();
});

async function start() {
  if (!state.key) return showLogin();
  try {
    const { positions } = await api('GET', '/api/positions');
    state.positions = positions;
    sessionStorage.setItem(KEY_STORE, state.key);
  } catch (error) {
    sessionStorage.removeItem(KEY_STORE);
    return showLogin(error.status === 401 ? 'That key was not accepted.' : errorText(error));
  }
  showDesk();
  const book = await api('GET', '/api/book');
  for (const h of book.positions ?? []) state.hedges.set(h.positionId, h);
  onBook(book.book);
  await loadMarkets();
  renderPositions();
  if (state.positions[0]) await select(state.positions[0].id);
  await refreshSlow();
  connect();
  clearInterval(state.poll);
  state.poll = setInterval(() => refreshSlow().catch(() => {}), POLL_MS);
}

/** Tickets and holdings change by other hands (another trader, the ledger's marks): polled. */
async function refreshSlow() {
  await Promise.all([renderTickets(), renderHoldings()]);
}

// ---- market source (header) ----

async function loadMarkets() {
  const keys = Object.keys(state.book?.byUnderlying ?? {});
  for (const h of state.hedges.values()) if (h.market && !keys.includes(h.market)) keys.push(h.market);
  await Promise.all(
    keys.map(async (key) => {
      const [venue, underlying] = key.split('/');
      try {
        const m = await api('GET', `/api/market/${encodeURIComponent(venue)}/${encodeURIComponent(underlying)}`);
        state.markets.set(key, { source: m.source, label: m.label ?? null });
      } catch {
        state.markets.set(key, { source: null, label: null });
      }
    }),
  );
  renderSource();
}

function renderSource() {
  const parts = [];
  for (const [key, m] of state.markets) {
    const source = m.source ?? [...state.hedges.values()].find((h) => h.market === key)?.source ?? '?';
    parts.push(`${key}: ${source}${m.label ? ` — ${m.label}` : ''}`);
  }
  if (parts.length === 0) {
    const h = [...state.hedges.values()][0];
    if (h?.source) parts.push(h.source);
  }
  $('source').textContent = `data: ${parts.join(' | ') || '—'}`;
  const replay = [...state.markets.values()].some((m) => m.source === 'replay' || m.source === 'demo');
  $('clock').textContent = `${replay ? 'replay clock' : 'market clock'} ${isoUtc(state.book?.asOfMs)}`;
}

// ---- Greeks tables ----

/** Rows of Greeks blocks (lp / holdings / net, or before / after) with their units in the header. */
function greeksTable(table, rows, base, { perUnit = false } = {}) {
  const head = el('tr');
  head.append(
    el('th', {}, ''),
    el('th', {}, 'value (USD)'),
    el('th', {}, `delta (${base})`),
    el('th', {}, `gamma (${base}/USD)`),
    el('th', {}, perUnit ? 'vega (USD per 1.00 vol)' : 'vega (USD per vol pt)'),
    el('th', {}, perUnit ? 'theta (USD per year)' : 'theta (USD per day)'),
  );
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const [name, g] of rows) {
    const tr = el('tr', { 'data-row': name });
    tr.append(
      el('th', { scope: 'row' }, name),
      num(g?.valueQuote, 'usd', 'value'),
      num(g?.delta, 'base', 'delta'),
      num(g?.gamma, 'gamma', 'gamma'),
      num(perUnit ? g?.vega : g?.vegaPerVolPoint, 'usd', 'vega'),
      num(perUnit ? g?.theta : g?.thetaPerDay, 'usd', 'theta'),
    );
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
}

function bandBlock(band, toTrade, base) {
  const div = el('div', { class: 'band' });
  const line = el('p');
  line.append(
    el('span', { class: 'label' }, 'band '),
    badge(band?.status),
    el('span', { class: 'label' }, ` half-width (${base}) `),
    el('span', { class: 'num', 'data-col': 'halfWidth', 'data-value': band?.halfWidthBase }, fmt(band?.halfWidthBase)),
    el('span', { class: 'label' }, ` deviation (${base}) `),
    el('span', { class: 'num', 'data-col': 'deviation', 'data-value': band?.deviationBase }, fmt(band?.deviationBase)),
    el('span', { class: 'label' }, ` target (${base}) `),
    el('span', { class: 'num', 'data-col': 'target', 'data-value': band?.targetDeltaBase }, fmt(band?.targetDeltaBase)),
  );
  div.append(line);
  if (band?.explanation) div.append(el('p', { class: 'hint explanation' }, band.explanation));
  const trade = el('p', { class: 'to-trade' });
  if (!toTrade) {
    trade.textContent = 'to trade: no perp or future takes delta on this market';
  } else {
    const side = toTrade.contracts > 0 ? 'buy' : toTrade.contracts < 0 ? 'sell' : 'nothing';
    trade.append(
      el('span', { class: 'label' }, 'to trade now: '),
      el(
        'span',
        { class: 'num', 'data-col': 'toTrade', 'data-value': toTrade.contracts },
        fmt(toTrade.contracts, 'contracts'),
      ),
      ` ${toTrade.instrument} contracts (`,
      el('strong', { class: `side ${side}` }, side),
      `, lots of ${fmt(toTrade.lotContracts, 'contracts')}; unrounded `,
      el(
        'span',
        { class: 'num', 'data-col': 'toTradeUnrounded', 'data-value': toTrade.contractsUnrounded },
        fmt(toTrade.contractsUnrounded, 'contracts'),
      ),
      `) = `,
      el(
        'span',
        { class: 'num', 'data-col': 'toTradeBase', 'data-value': toTrade.baseAmount },
        fmt(toTrade.baseAmount),
      ),
      ` ${base}; net delta after `,
      el(
        'span',
        { class: 'num', 'data-col': 'netDeltaAfter', 'data-value': toTrade.netDeltaAfterBase },
        fmt(toTrade.netDeltaAfterBase),
      ),
      ` ${base}; net gamma left `,
      el(
        'span',
        { class: 'num', 'data-col': 'netGammaLeft', 'data-value': toTrade.netGammaLeft },
        fmt(toTrade.netGammaLeft, 'gamma'),
      ),
      ` ${base}/USD`,
    );
  }
  div.append(trade);
  return div;
}

// ---- the net book ----

function onBook(book) {
  if (!book) return;
  state.book = book;
  scheduleRender();
  const markets = Object.keys(book.byUnderlying ?? {});
  if (!state.live.market && markets[0]) state.live.market = markets[0];
  const m = book.byUnderlying?.[state.live.market];
  if (m && book.seq !== state.live.lastSeq) {
    state.live.lastSeq = book.seq;
    pushLive(book.asOfMs / 1000, m.price, m.net?.delta);
  }
}

function renderBook() {
  const book = state.book;
  if (!book) return;
  $('book-meta').textContent =
    `(seq ${book.seq}, ${book.positions} positions, book value ${fmt(book.valueQuote, 'usd')} USD, ` +
    `${book.bandBreaches} band breaches)`;
  $('book-meta').dataset.seq = String(book.seq);
  const blocks = [];
  for (const [key, m] of Object.entries(book.byUnderlying ?? {})) {
    const base = baseOf(key);
    const block = el('div', { class: 'market', 'data-market': key });
    const title = el('h3');
    title.append(
      `${key} `,
      el('span', { class: 'num', 'data-col': 'price', 'data-value': m.price }, fmt(m.price, 'price')),
      ` USD/${base} · ${m.positions} positions`,
      m.stale ? el('span', { class: 'status stale' }, 'stale quotes') : '',
    );
    const table = el('table', { class: 'greeks netbook' });
    greeksTable(
      table,
      [
        ['lp', m.lp],
        ['holdings', m.holdings],
        ['net', m.net],
      ],
      base,
    );
    block.append(title, table, bandBlock(m.band, m.toTrade, base));
    blocks.push(block);
  }
  $('markets').replaceChildren(...blocks);
  renderSource();
}

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

function pushLive(x, price, delta) {
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

// ---- positions ----

function suggestionText(s, h) {
  if (h?.error) return `error: ${h.error}`;
  if (!s) return 'not solved yet';
  if (s.error) return `error: ${s.error}`;
  if (!s.legs?.length) return 'no legs';
  return s.legs.map((l) => `${l.side} ${fmt(l.contracts, 'contracts')} ${l.instrument}`).join(' · ');
}

function renderPositions() {
  const body = $('positions').querySelector('tbody');
  body.replaceChildren();
  for (const p of state.positions) {
    const h = state.hedges.get(p.id);
    const row = el('tr', { 'data-id': p.id });
    if (p.id === state.selected) row.classList.add('selected');
    const band = el('td', { 'data-col': 'band' });
    band.append(badge(h?.band?.status));
    row.append(
      el('td', {}, h?.name ?? p.label ?? p.name ?? p.id),
      el('td', {}, h?.market ?? `${p.venue}/${p.underlying}`),
      num(h?.price, 'price', 'price'),
      num(h?.lp?.valueQuote, 'usd', 'lpValue'),
      num(h?.lp?.delta, 'base', 'lpDelta'),
      num(h?.net?.delta, 'base', 'delta'),
      num(h?.net?.gamma, 'gamma', 'gamma'),
      band,
      num(h?.band?.halfWidthBase, 'base', 'halfWidth'),
      num(h?.band?.deviationBase, 'base', 'deviation'),
      num(h?.toTrade?.contracts, 'contracts', 'toTrade'),
      el(
        'td',
        { class: 'legs', 'data-col': 'suggestion', title: suggestionText(h?.suggestion, h) },
        suggestionText(h?.suggestion, h),
      ),
      num(h?.quoteAgeMs, 'ms', 'quoteAge'),
    );
    row.addEventListener('click', () => select(p.id));
    body.append(row);
  }
}

function renderPositionDetail() {
  const h = state.hedges.get(state.selected);
  if (!h) return;
  const base = baseOf(h.market);
  $('position-detail-title').textContent = `Position: ${h.name ?? h.positionId}${h.stale ? ' (stale quotes)' : ''}`;
  greeksTable(
    $('position-greeks'),
    [
      ['lp', h.lp],
      ['holdings', h.holdings],
      ['net', h.net],
    ],
    base,
  );
  $('position-band').replaceChildren(bandBlock(h.band, h.toTrade, base));
  const s = h.suggestion;
  $('suggestion-meta').textContent = s
    ? `(solved at seq ${s.solvedAtSeq}, reason ${s.reason}${s.error ? `, error: ${s.error}` : ''})`
    : '(not solved yet)';
  const body = $('suggestion').querySelector('tbody');
  body.replaceChildren(
    ...(s?.legs ?? []).map((l) => {
      const tr = el('tr');
      tr.append(
        el('td', {}, l.instrument),
        el('td', {}, l.kind),
        el('td', { class: `side ${l.side}` }, l.side),
        num(l.contracts, 'contracts', 'contracts'),
        num(l.baseAmount, 'base', 'baseAmount'),
      );
      return tr;
    }),
  );
}

async function select(id) {
  state.selected = id;
  renderPositions();
  renderPositionDetail();
  const h = state.hedges.get(id);
  const position = state.positions.find((p) => p.id === id);
  $('detail-title').textContent = `Payoff: ${h?.name ?? position?.label ?? position?.name ?? id}`;
  try {
    drawPayoff(await api('GET', `/api/positions/${encodeURIComponent(id)}/payoff`), baseOf(h?.market));
  } catch (error) {
    $('payoff').textContent = `payoff unavailable: ${errorText(error)}`;
  }
}

// ---- payoff chart (uPlot) ----

function drawPayoff(p, base) {
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

// ---- the stream ----

function closeWs() {
  state.wsGeneration += 1;
  state.ws?.close(1000, 'client');
  state.ws = null;
}

function setConn(text, on) {
  $('conn').textContent = `stream: ${text}`;
  $('conn').className = `badge ${on ? 'on' : 'off'}`;
}

function connect() {
  closeWs();
  const generation = state.wsGeneration;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/ws`, ['ilhedge.v1', `bearer.${state.key}`]);
  state.ws = ws;
  setConn('connecting', false);
  ws.addEventListener('open', () => {
    setConn('live', true);
    ws.send(JSON.stringify({ type: 'subscribe', positionIds: state.positions.map((p) => p.id), book: true }));
  });
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type !== 'hedge') return;
    if (msg.book) return onBook(msg);
    state.hedges.set(msg.positionId, msg);
    scheduleRender();
  });
  ws.addEventListener('close', (event) => {
    if (generation !== state.wsGeneration) return;
    setConn(`closed (${event.code})`, false);
    if (state.key && event.code !== 1000 && event.code !== 1008) {
      setTimeout(() => {
        if (generation === state.wsGeneration && state.key) connect();
      }, 2000);
    }
  });
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderBook();
    renderPositions();
    renderPositionDetail();
  });
}

// ---- holdings ----

function scopeText(scope) {
  if (!scope?.length) return 'book';
  return scope.map((id) => state.hedges.get(id)?.name ?? id.slice(0, 8)).join(', ');
}

function money(value, ccy, col) {
  const td = num(value, ccy === 'USD' ? 'usd' : 'px', col);
  if (typeof value === 'number') td.textContent += ` ${ccy ?? ''}`;
  return td;
}

async function renderHoldings() {
  let holdings;
  try {
    ({ holdings } = await api('GET', '/api/holdings'));
  } catch (error) {
    $('holding-msg').textContent = `holdings unavailable: ${errorText(error)}`;
    return;
  }
  state.holdings = holdings;
  const body = $('holdings').querySelector('tbody');
  body.replaceChildren(
    ...holdings.map((h) => {
      const tr = el('tr', { 'data-id': h.id, 'data-instrument': h.instrument });
      const pnlCcy = h.unrealisedPnlCurrency ?? h.realisedPnlCurrency;
      const actions = el('td');
      if (h.netContracts !== 0) {
        const b = el('button', { 'data-action': 'close' }, 'close at mark');
        b.addEventListener('click', async () => {
          try {
            await api('POST', `/api/holdings/${encodeURIComponent(h.id)}/close`, {});
            $('holding-msg').textContent = `${h.instrument} closed`;
          } catch (error) {
            $('holding-msg').textContent = errorText(error);
          }
          await renderHoldings();
        });
        actions.append(b);
      }
      tr.append(
        el('td', {}, h.instrument),
        el('td', {}, h.kind),
        el('td', { 'data-col': 'scope' }, scopeText(h.scope)),
        num(h.netContracts, 'contracts', 'netContracts'),
        num(h.baseAmount, 'base', 'baseAmount'),
        money(h.averagePrice, h.priceCurrency, 'averagePrice'),
        money(h.markPrice, h.priceCurrency, 'markPrice'),
        money(h.realisedPnl, h.realisedPnlCurrency, 'realisedPnl'),
        money(h.unrealisedPnl, pnlCcy, 'unrealisedPnl'),
        num(h.feesQuote, 'usd', 'fees'),
        num(h.fills?.length ?? 0, 'int', 'fills'),
        actions,
      );
      return tr;
    }),
  );
}

function marketOfSelected() {
  const h = state.hedges.get(state.selected);
  const key = h?.market ?? Object.keys(state.book?.byUnderlying ?? {})[0];
  const [venue, underlying] = (key ?? 'deribit/BTC').split('/');
  return { venue, underlying };
}

$('holding-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const f = new FormData(event.target);
  const body = {
    ...marketOfSelected(),
    instrument: String(f.get('instrument')).trim(),
    kind: f.get('kind'),
    contracts: Number(f.get('contracts')),
    entryPrice: Number(f.get('entryPrice')),
    ...(String(f.get('entryTime')).trim() ? { entryTime: String(f.get('entryTime')).trim() } : {}),
    ...(String(f.get('feeQuote')).trim() ? { feeQuote: Number(f.get('feeQuote')) } : {}),
    ...(f.get('scope') === 'selected' && state.selected ? { positionIds: [state.selected] } : {}),
  };
  try {
    const h = await api('POST', '/api/holdings', body);
    $('holding-msg').textContent = `holding ${h.instrument} entered`;
    event.target.reset();
  } catch (error) {
    $('holding-msg').textContent = errorText(error);
  }
  await renderHoldings();
});

// ---- tickets ----

const legsOf = (t) => t?.content?.ticket?.legs ?? [];

async function renderTickets() {
  let tickets;
  try {
    ({ tickets } = await api('GET', '/api/tickets?limit=50'));
  } catch (error) {
    $('ticket-msg').textContent = `tickets unavailable: ${errorText(error)}`;
    return;
  }
  state.tickets = tickets;
  const body = $('tickets').querySelector('tbody');
  body.replaceChildren(
    ...tickets.map((t) => {
      const last = t.history?.[t.history.length - 1];
      const tr = el('tr', { 'data-id': t.id });
      if (t.id === state.selectedTicket) tr.classList.add('selected');
      const status = el('td', { class: 'status-cell', 'data-col': 'status' });
      status.append(badge(t.status));
      tr.append(
        el('td', {}, isoUtc(t.createdAtMs)),
        el('td', { class: 'mono' }, t.id.slice(0, 8)),
        el('td', {}, t.mode),
        el('td', {}, t.positionIds?.length ? scopeText(t.positionIds) : 'book'),
        num(legsOf(t).length, 'int', 'legs'),
        status,
        el('td', {}, t.createdBy ?? t.history?.[0]?.actor ?? ''),
        el('td', {}, last?.actor ?? ''),
      );
      tr.addEventListener('click', () => {
        state.selectedTicket = t.id;
        state.ticketShown = null;
        renderTickets();
      });
      return tr;
    }),
  );
  const selected = tickets.find((t) => t.id === state.selectedTicket);
  if (selected) renderTicketDetail(selected);
  else $('ticket-detail').hidden = true;
}

/** The ticket's carry section: fees, LVR and the hedge's cost over the horizon, unhedged beside hedged (USD). */
function renderTicketCarry(c) {
  const table = $('ticket-carry');
  table.hidden = !c;
  if (!c) return table.replaceChildren();
  const caption = el(
    'caption',
    {},
    `carry over ${fmt(c.horizonDays, 'int')} d at vol ${fmt(c.vol, 'base')} (${c.thetaBasis}), USD`,
  );
  const head = el('tr');
  head.append(el('th', {}, ''), el('th', {}, 'unhedged'), el('th', {}, 'hedged'));
  const row = (label, key, unhedged, hedged, kind = 'usd') => {
    const tr = el('tr', { 'data-row': key });
    tr.append(el('th', { scope: 'row' }, label), num(unhedged, kind, 'unhedged'), num(hedged, kind, 'hedged'));
    return tr;
  };
  // As the API has them: fees earned, LVR and hedge cost as positive costs, net = fees - costs.
  table.replaceChildren(
    caption,
    head,
    row('expected fees', 'fees', c.expectedFeesQuote, c.expectedFeesQuote),
    row('LVR (cost; hedged: left)', 'lvr', c.lvrQuote, c.lvrLeftQuote),
    row('hedge cost', 'hedgeCost', 0, c.hedgeCostQuote),
    row('net', 'net', c.netQuote.unhedged, c.netQuote.hedged),
    row(
      'break-even fee APR (decimal a year)',
      'breakEven',
      c.breakEvenFeeApr.unhedged,
      c.breakEvenFeeApr.hedged,
      'base',
    ),
  );
}

function renderTicketDetail(t) {
  const shown = `${t.id}:${t.updatedAtMs}:${t.status}`;
  if (state.ticketShown === shown) return;
  state.ticketShown = shown;
  $('ticket-detail').hidden = false;
  $('ticket-detail').dataset.id = t.id;
  $('ticket-detail').dataset.status = t.status;
  const c = t.content ?? {};
  const tk = c.ticket ?? {};
  const ms = c.marketState ?? {};
  const base = baseOf(ms.market ?? (tk.underlying ? `x/${tk.underlying}` : undefined));
  const title = $('ticket-title');
  title.replaceChildren(`Ticket ${t.id.slice(0, 8)} · ${t.mode} · `, badge(t.status));
  $('ticket-summary').textContent =
    `proposed by ${t.createdBy ?? '?'} at ${isoUtc(t.createdAtMs)}; expires ${isoUtc(t.expiresAtMs)}; ` +
    `priced on ${ms.market ?? '?'} seq ${ms.seq ?? '?'} (${ms.source ?? '?'}${ms.label ? `: ${ms.label}` : ''}, ` +
    `market time ${isoUtc(ms.asOfMs)})` +
    (tk.rebalance?.message ? `. ${tk.rebalance.message}` : '');

  const body = $('ticket-legs').querySelector('tbody');
  const rows = legsOf(t).map((l, i) => {
    const tr = el('tr', { 'data-leg': i });
    tr.append(
      el('td', {}, String(i + 1)),
      el('td', { class: `side ${l.side}`, 'data-col': 'side' }, l.side),
      num(l.contracts, 'contracts', 'contracts'),
      el('td', { 'data-col': 'instrument' }, l.instrument),
      num(l.limitPrice, l.priceCurrency === 'USD' ? 'price' : 'px', 'limit'),
      el('td', {}, l.priceCurrency),
      num(l.baseAmount, 'base', 'baseAmount'),
      num(l.delta, 'base', 'delta'),
      num(l.gamma, 'gamma', 'gamma'),
      num(l.cost, 'usd', 'cost'),
      num(l.fees, 'usd', 'fees'),
      num(l.premiumQuote, 'usd', 'premium'),
    );
    return tr;
  });
  if (tk.totals) {
    const tr = el('tr', { class: 'totals' });
    tr.append(
      el('th', { colspan: 9, scope: 'row' }, 'totals'),
      num(tk.totals.cost, 'usd', 'cost'),
      num(tk.totals.fees, 'usd', 'fees'),
      num(tk.totals.premiumQuote, 'usd', 'premium'),
    );
    rows.push(tr);
  }
  if (rows.length === 0) {
    const tr = el('tr');
    tr.append(el('td', { colspan: 12 }, 'no legs: nothing to trade'));
    rows.push(tr);
  }
  body.replaceChildren(...rows);

  if (c.book?.before && c.book?.after) {
    greeksTable(
      $('ticket-greeks'),
      [
        ['book before', c.book.before],
        ['book after', c.book.after],
      ],
      base,
    );
  } else {
    // The hedging ticket's own blocks: vega per 1.00 of vol and theta per year, labelled as such.
    greeksTable(
      $('ticket-greeks'),
      [
        ['before', tk.before],
        ['after', tk.after],
      ],
      base,
      { perUnit: true },
    );
  }
  renderTicketCarry(tk.carry ?? null);
  $('ticket-warnings').replaceChildren(
    ...(tk.warnings ?? []).map((w) => el('li', { 'data-code': w.code }, `${w.code}: ${w.message}`)),
  );

  const actions = $('ticket-actions');
  actions.replaceChildren();
  const add = (label, verb) => {
    const b = el('button', { 'data-action': verb }, label);
    b.addEventListener('click', async () => {
      try {
        await api('POST', `/api/tickets/${encodeURIComponent(t.id)}/${verb}`, {});
        $('ticket-msg').textContent = `ticket ${t.id.slice(0, 8)} ${verb === 'approve' ? 'approved' : 'rejected'}`;
      } catch (error) {
        $('ticket-msg').textContent =
          error.code === 'four-eyes'
            ? `${errorText(error)} (switch to another trader's key to approve)`
            : errorText(error);
      }
      await refreshSlow();
    });
    actions.append(b);
  };
  if (t.status === 'proposed') {
    add('approve', 'approve');
    add('reject', 'reject');
  }
  renderFillsForm(t);
}

/** Contracts still to fill on each leg (signed): the API's figure when it sends one, else the leg less its fills. */
function remainingOf(t, leg, i) {
  if (typeof leg.remainingContracts === 'number') return leg.remainingContracts;
  if (Array.isArray(t.remaining) && typeof t.remaining[i]?.contracts === 'number') return t.remaining[i].contracts;
  const signed = leg.side === 'sell' ? -leg.contracts : leg.contracts;
  const filled = (t.fills ?? [])
    .filter((f) => f.legIndex === i || (f.legIndex == null && f.instrument === leg.instrument))
    .reduce((a, f) => a + f.contracts, 0);
  return signed - filled;
}

function renderFillsForm(t) {
  const form = $('fills-form');
  const open = t.status === 'approved' || t.status === 'partially-executed';
  form.hidden = !open;
  $('fills-msg').textContent = '';
  if (!open) return;
  const body = $('fills-table').querySelector('tbody');
  body.replaceChildren(
    ...legsOf(t).map((l, i) => {
      const tr = el('tr', { 'data-leg': i, 'data-instrument': l.instrument });
      const input = (name, value, attrs = {}) => {
        const td = el('td');
        td.append(el('input', { name, value, ...attrs }));
        return td;
      };
      tr.append(
        el('td', {}, String(i + 1)),
        el('td', {}, l.instrument),
        input('contracts', String(remainingOf(t, l, i)), { type: 'number', step: 'any', size: 10 }),
        input('price', String(l.limitPrice), { type: 'number', step: 'any', size: 10 }),
        input('feeQuote', '', { type: 'number', step: 'any', size: 6, placeholder: '0' }),
        input('venueOrderId', '', { size: 14 }),
      );
      return tr;
    }),
  );
  form.dataset.ticket = t.id;
}

$('fills-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('fills-form').dataset.ticket;
  const fills = [];
  for (const tr of $('fills-table').querySelectorAll('tbody tr')) {
    const v = (name) => tr.querySelector(`input[name="${name}"]`).value.trim();
    const contracts = Number(v('contracts'));
    if (!v('contracts') || contracts === 0) continue;
    fills.push({
      instrument: tr.dataset.instrument,
      contracts,
      price: Number(v('price')),
      ...(v('feeQuote') ? { feeQuote: Number(v('feeQuote')) } : {}),
      ...(v('venueOrderId') ? { venueOrderId: v('venueOrderId') } : {}),
    });
  }
  if (fills.length === 0) {
    $('fills-msg').textContent = 'no fills entered (every row is 0)';
    return;
  }
  await recordFills(id, { fills });
});

$('fills-as-ticketed').addEventListener('click', () => recordFills($('fills-form').dataset.ticket, undefined));

async function recordFills(id, body) {
  try {
    const t = await api('POST', `/api/tickets/${encodeURIComponent(id)}/executed`, body);
    $('ticket-msg').textContent = `ticket ${id.slice(0, 8)} ${t.status}`;
  } catch (error) {
    $('fills-msg').textContent = errorText(error);
    return;
  }
  await refreshSlow();
}

$('ticket-propose').addEventListener('click', async () => {
  const mode = $('ticket-mode').value;
  const scope = $('ticket-scope').value;
  if (scope === 'selected' && !state.selected) {
    $('ticket-msg').textContent = 'select a position first';
    return;
  }
  $('ticket-msg').textContent = 'proposing…';
  try {
    const ticket = await api('POST', '/api/tickets', {
      mode,
      ...(scope === 'selected' ? { positionIds: [state.selected] } : {}),
    });
    state.selectedTicket = ticket.id;
    state.ticketShown = null;
    $('ticket-msg').textContent = `ticket ${ticket.id.slice(0, 8)} proposed: check its legs below before approval`;
  } catch (error) {
    $('ticket-msg').textContent =
      error.status === 403 ? 'your key may not propose tickets (trader role needed)' : errorText(error);
  }
  await renderTickets();
});

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

window.addEventListener('resize', () => {
  const live = state.live.chart;
  if (live) live.setSize({ width: Math.max(320, $('live-chart').clientWidth - 4), height: 300 });
  const payoff = state.payoffChart;
  if (payoff) payoff.setSize({ width: Math.max(320, $('payoff').clientWidth - 4), height: 320 });
});

start();
