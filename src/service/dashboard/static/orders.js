// ---- working orders and fills (issue 18) ----
//
// The orders panel: every order of the executed tickets as the stream reports it (state, filled and remaining
// contracts, limit and average price) and the fills as they arrive. It keeps its own /ws connection subscribed to
// `orders` only, so the stream module and its reconnect logic stay as they are: the connection follows the page's
// key (opened once the desk shows, re-opened when the key changes, closed at logout).
import { state } from './state.js';
import { isoUtc } from './format.js';
import { $, el, num, badge } from './dom.js';

const SUPERVISE_MS = 1000;
const ORDERS_SHOWN = 30;
const FILLS_SHOWN = 30;

const orders = new Map(); // order id -> the latest order message's order
let ws = null;
let wsKey = null;
let renderPending = false;

function panel() {
  let section = $('orders-panel');
  if (section) return section;
  section = el('section', { class: 'panel wide', id: 'orders-panel' });
  const head = (cols) => {
    const thead = el('thead');
    const tr = el('tr');
    for (const c of cols) tr.append(el('th', {}, c));
    thead.append(tr);
    return thead;
  };
  const ordersTable = el('table', { id: 'orders' });
  ordersTable.append(
    head([
      'updated (UTC)',
      'order',
      'ticket',
      'leg',
      'instrument',
      'side',
      'state',
      'contracts',
      'filled',
      'remaining',
      'limit',
      'avg price',
      'mode',
    ]),
    el('tbody'),
  );
  const fillsTable = el('table', { id: 'order-fills' });
  fillsTable.append(
    head(['time (UTC)', 'order', 'instrument', 'side', 'contracts', 'price', 'fee (USD)']),
    el('tbody'),
  );
  section.append(el('h2', {}, 'Orders '), ordersTable, el('h3', {}, 'Fills as they arrive'), fillsTable);
  section.querySelector('h2').append(el('span', { id: 'orders-meta', class: 'hint' }, 'not connected'));
  // After the tickets panel, whose orders these are.
  const tickets = $('tickets')?.closest('section');
  if (tickets) tickets.after(section);
  else $('desk').append(section);
  return section;
}

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function render() {
  panel();
  const list = [...orders.values()].sort((a, b) => b.updatedAtMs - a.updatedAtMs).slice(0, ORDERS_SHOWN);
  $('orders')
    .querySelector('tbody')
    .replaceChildren(
      ...list.map((o) => {
        const tr = el('tr', { 'data-id': o.id, 'data-state': o.state });
        const st = el('td', { class: 'status-cell', 'data-col': 'state' });
        st.append(badge(o.state));
        tr.append(
          el('td', {}, isoUtc(o.updatedAtMs)),
          el('td', { class: 'mono' }, o.id),
          el('td', { class: 'mono' }, o.ticketId.slice(0, 8)),
          num(o.legIndex, 'int', 'leg'),
          el('td', {}, o.instrument),
          el('td', {}, o.side),
          st,
          num(o.contracts, 'contracts', 'contracts'),
          num(o.filledContracts, 'contracts', 'filled'),
          num(o.remainingContracts, 'contracts', 'remaining'),
          num(o.limitPrice, 'px', 'limit'),
          num(o.averagePrice, 'px', 'averagePrice'),
          el('td', {}, o.dryRun ? `${o.mode} (simulated)` : o.mode),
        );
        return tr;
      }),
    );
  const fills = [...orders.values()]
    .flatMap((o) => (o.fills ?? []).map((f) => ({ ...f, instrument: o.instrument, side: o.side })))
    .sort((a, b) => b.atMs - a.atMs)
    .slice(0, FILLS_SHOWN);
  $('order-fills')
    .querySelector('tbody')
    .replaceChildren(
      ...fills.map((f) => {
        const tr = el('tr', { 'data-order': f.orderId, 'data-trade': f.venueTradeId });
        tr.append(
          el('td', {}, isoUtc(f.atMs)),
          el('td', { class: 'mono' }, f.orderId),
          el('td', {}, f.instrument),
          el('td', {}, f.side),
          num(f.contracts, 'contracts', 'contracts'),
          num(f.price, 'px', 'price'),
          num(f.feeQuote, 'usd', 'fee'),
        );
        return tr;
      }),
    );
  const working = list.filter((o) => o.remainingContracts > 0).length;
  $('orders-meta').textContent = `${working} working · ${orders.size} shown from the stream`;
}

function close() {
  const old = ws;
  ws = null;
  wsKey = null;
  old?.close(1000, 'client');
}

function open() {
  close();
  const key = state.key;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/ws`, ['ilhedge.v1', `bearer.${key}`]);
  ws = socket;
  wsKey = key;
  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'subscribe', orders: true })));
  socket.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === 'orders') {
      orders.clear();
      for (const o of msg.orders) orders.set(o.id, o);
    } else if (msg.type === 'order') {
      orders.set(msg.order.id, msg.order);
    } else return;
    scheduleRender();
  });
  socket.addEventListener('close', () => {
    // Dropped: the supervisor opens a new one at its next round.
    if (ws === socket) {
      ws = null;
      wsKey = null;
      if ($('orders-meta')) $('orders-meta').textContent = 'stream closed; reconnecting';
    }
  });
}

/** Keeps the connection in step with the page: the desk shown and a key set, the same key. */
function supervise() {
  const wanted = Boolean(state.key) && !$('desk').hidden;
  if (!wanted) {
    if (ws) close();
    return;
  }
  panel();
  if (!ws || wsKey !== state.key) open();
}

setInterval(supervise, SUPERVISE_MS);
