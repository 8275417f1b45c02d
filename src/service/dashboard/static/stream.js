import { state } from './state.js';
import { $ } from './dom.js';
import { renderBook } from './book.js';
import { renderPositions, renderPositionDetail } from './positions.js';
import { pushLive } from './charts.js';

// ---- the stream ----

export function closeWs() {
  state.wsGeneration += 1;
  state.ws?.close(1000, 'client');
  state.ws = null;
}

function setConn(text, on) {
  $('conn').textContent = `stream: ${text}`;
  $('conn').className = `badge ${on ? 'on' : 'off'}`;
}

export function connect() {
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

// ---- the net book from the stream ----

export function onBook(book) {
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
