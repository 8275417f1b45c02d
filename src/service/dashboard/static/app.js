// ilhedge desk dashboard: plain ES module, no build step. Every API call carries the key from sessionStorage;
// the live table is fed by the /ws stream (key sent as a `bearer.<key>` subprotocol, browsers cannot set headers).
const KEY_STORE = 'ilhedge.key';
const SVG_NS = 'http://www.w3.org/2000/svg';
const state = { key: sessionStorage.getItem(KEY_STORE), positions: [], hedges: new Map(), selected: null, ws: null };

const $ = (id) => document.getElementById(id);
const fmt = (x, digits = 4) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '—'
    : Math.abs(x) >= 1e4
      ? x.toFixed(0)
      : Number(x.toPrecision(digits)).toString();

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, json?.message ?? res.statusText);
  return json;
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

// ---- login ----

function showLogin(message) {
  $('login').hidden = false;
  $('desk').hidden = true;
  $('logout').hidden = true;
  $('login-error').textContent = message ?? '';
}

$('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.key = $('key-input').value.trim();
  $('key-input').value = '';
  await start();
});

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORE);
  state.key = null;
  state.ws?.close(1000, 'logout');
  showLogin();
});

async function start() {
  if (!state.key) return showLogin();
  try {
    const { positions } = await api('GET', '/api/positions');
    sessionStorage.setItem(KEY_STORE, state.key);
    state.positions = positions;
  } catch (error) {
    sessionStorage.removeItem(KEY_STORE);
    return showLogin(error.status === 401 ? 'That key was not accepted.' : String(error.message));
  }
  $('login').hidden = true;
  $('desk').hidden = false;
  $('logout').hidden = false;
  const book = await api('GET', '/api/book');
  for (const h of book.positions) state.hedges.set(h.positionId, h);
  renderBook(book.book);
  renderPositions();
  if (state.positions[0]) await select(state.positions[0].id);
  await renderTickets();
  connect();
}

// ---- positions and live hedge ratios ----

function poolText(p) {
  return p.pool.kind === 'v3' ? `v3 ${fmt(p.pool.lowerPrice)}–${fmt(p.pool.upperPrice)}` : 'v2';
}

function renderPositions() {
  const body = $('positions').querySelector('tbody');
  body.replaceChildren();
  for (const p of state.positions) {
    const h = state.hedges.get(p.id);
    const row = el('tr', { 'data-id': p.id });
    if (p.id === state.selected) row.classList.add('selected');
    const options = (h?.options ?? []).map((o) => `${fmt(o.quantityBase)} ${o.instrument}`).join(', ');
    const cells = [
      p.name,
      poolText(p),
      fmt(h?.price),
      fmt(h?.valueQuote),
      fmt(h?.delta),
      fmt(h?.gamma),
      fmt(h?.perp?.quantityBase),
      options || '—',
      h?.band?.status ?? '—',
      h ? `${fmt(h.quoteAgeMs, 3)} ms` : '—',
    ];
    cells.forEach((c, i) => {
      const td = el('td', {}, c);
      if (i === 8) td.className = h?.band?.status ?? '';
      if (i === 4) td.className = 'delta';
      if (i === 6) td.className = 'perp';
      row.append(td);
    });
    row.addEventListener('click', () => select(p.id));
    body.append(row);
  }
}

function renderBook(book) {
  $('book').textContent = JSON.stringify(book, null, 2);
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/ws`, ['ilhedge.v1', `bearer.${state.key}`]);
  state.ws = ws;
  ws.addEventListener('open', () => {
    $('conn').textContent = 'stream: live';
    $('conn').className = 'badge on';
    ws.send(JSON.stringify({ type: 'subscribe', positionIds: state.positions.map((p) => p.id), book: true }));
  });
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type !== 'hedge') return;
    if (msg.book) return renderBook(msg);
    state.hedges.set(msg.positionId, msg);
    $('source').textContent =
      `data: ${msg.source}${msg.source === 'replay' ? ' (replay clock ' + new Date(msg.asOfMs).toISOString().slice(0, 19) + 'Z)' : ''}`;
    scheduleRender();
    if (msg.positionId === state.selected) renderGreeks(msg);
  });
  ws.addEventListener('close', (event) => {
    $('conn').textContent = `stream: closed (${event.code})`;
    $('conn').className = 'badge off';
    if (state.key && event.code !== 1000 && event.code !== 1008) setTimeout(connect, 2000);
  });
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderPositions();
  });
}

// ---- one position: payoff chart and Greeks ----

async function select(id) {
  state.selected = id;
  renderPositions();
  const position = state.positions.find((p) => p.id === id);
  $('detail-title').textContent = `Payoff: ${position?.name ?? id}`;
  const [payoff, detail] = await Promise.all([
    api('GET', `/api/positions/${id}/payoff`),
    api('GET', `/api/positions/${id}`),
  ]);
  drawPayoff(payoff);
  if (detail.hedge) renderGreeks(detail.hedge);
}

function renderGreeks(h) {
  const rows = [
    ['price (USD/base)', fmt(h.price)],
    ['value (USD)', fmt(h.valueQuote)],
    ['delta dV/dP (base)', fmt(h.delta)],
    ['gamma d²V/dP² (base/USD)', fmt(h.gamma)],
    ['perp to neutralise delta (base)', fmt(h.perp?.quantityBase)],
    ['perp contracts', fmt(h.perp?.contracts)],
    ...h.options.map((o) => [`option ${o.instrument} (base)`, fmt(o.quantityBase)]),
    ['band', `${h.band.status} (|delta| band ${fmt(h.band.deltaBandBase)})`],
    ['quotes age', `${fmt(h.quoteAgeMs, 3)} ms`],
  ];
  const body = $('greeks').querySelector('tbody');
  body.replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = el('tr');
      tr.append(el('td', {}, k), el('td', {}, v));
      return tr;
    }),
  );
}

function drawPayoff(p) {
  const chart = $('payoff');
  chart.replaceChildren();
  const W = 720,
    H = 360,
    L = 70,
    R = 10,
    T = 10,
    B = 30;
  const all = [...p.lp, ...p.hodl, ...p.hedged].filter(Number.isFinite);
  if (p.prices.length < 2 || all.length === 0) return;
  const xMin = p.prices[0],
    xMax = p.prices[p.prices.length - 1];
  let yMin = Math.min(...all),
    yMax = Math.max(...all);
  if (yMax === yMin) {
    yMax += 1;
    yMin -= 1;
  }
  const x = (v) => L + ((v - xMin) / (xMax - xMin)) * (W - L - R);
  const y = (v) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
  chart.append(svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
  chart.append(svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
  for (let i = 0; i <= 4; i++) {
    const xv = xMin + ((xMax - xMin) * i) / 4;
    const yv = yMin + ((yMax - yMin) * i) / 4;
    const tx = svg('text', { x: x(xv), y: H - 10, 'text-anchor': 'middle' });
    tx.textContent = fmt(xv);
    const ty = svg('text', { x: L - 6, y: y(yv) + 4, 'text-anchor': 'end' });
    ty.textContent = fmt(yv);
    chart.append(tx, ty);
  }
  for (const k of p.strikes) {
    if (k < xMin || k > xMax) continue;
    chart.append(svg('line', { class: 'strike', x1: x(k), y1: T, x2: x(k), y2: H - B }));
  }
  if (p.currentPrice !== null && p.currentPrice >= xMin && p.currentPrice <= xMax) {
    chart.append(svg('line', { class: 'now', x1: x(p.currentPrice), y1: T, x2: x(p.currentPrice), y2: H - B }));
  }
  for (const [name, ys] of [
    ['hodl', p.hodl],
    ['lp', p.lp],
    ['hedged', p.hedged],
  ]) {
    const d = ys
      .map((v, i) =>
        Number.isFinite(v) ? `${i === 0 ? 'M' : 'L'}${x(p.prices[i]).toFixed(1)},${y(v).toFixed(1)}` : '',
      )
      .join('');
    chart.append(svg('path', { class: `curve ${name}`, d }));
  }
}

// ---- tickets ----

async function renderTickets() {
  const { tickets } = await api('GET', '/api/tickets?limit=50');
  const body = $('tickets').querySelector('tbody');
  body.replaceChildren();
  for (const t of tickets) {
    // Hedging-engine tickets carry `ticket.legs`; the fallback engine's carry legs per position.
    const legs =
      t.content.ticket?.legs?.length ?? (t.content.positions ?? []).reduce((n, p) => n + (p.legs?.length ?? 0), 0);
    const last = t.history[t.history.length - 1];
    const tr = el('tr', { 'data-id': t.id });
    tr.append(
      el('td', {}, new Date(t.createdAtMs).toISOString().slice(0, 19).replace('T', ' ')),
      el('td', {}, t.id.slice(0, 8)),
      el('td', {}, t.mode),
      el('td', {}, String(t.positionIds.length)),
      el('td', {}, String(legs)),
      el('td', { class: 'status' }, t.status),
      el('td', {}, last?.actor ?? ''),
    );
    const actions = el('td');
    const add = (label, verb) => {
      const b = el('button', { 'data-action': verb }, label);
      b.addEventListener('click', async (event) => {
        event.stopPropagation();
        try {
          await api('POST', `/api/tickets/${t.id}/${verb}`, {});
        } catch (error) {
          $('ticket-msg').textContent = error.message;
        }
        await renderTickets();
      });
      actions.append(b);
    };
    if (t.status === 'proposed') {
      add('approve', 'approve');
      add('reject', 'reject');
    }
    if (t.status === 'approved') add('mark executed', 'executed');
    tr.append(actions);
    body.append(tr);
  }
}

async function propose(mode) {
  if (!state.selected) return;
  try {
    const ticket = await api('POST', '/api/tickets', { positionIds: [state.selected], mode });
    $('ticket-msg').textContent = `ticket ${ticket.id.slice(0, 8)} proposed`;
  } catch (error) {
    $('ticket-msg').textContent =
      error.status === 403 ? 'your key may not propose tickets (trader role needed)' : error.message;
  }
  await renderTickets();
}
$('ticket-dynamic').addEventListener('click', () => propose('dynamic'));
$('ticket-static').addEventListener('click', () => propose('static'));

start();
