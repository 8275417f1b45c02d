import { KEY_STORE, state } from './state.js';
import { $ } from './dom.js';
import { api, errorText } from './api.js';
import { loadMarkets } from './book.js';
import { renderPositions, select } from './positions.js';
import { closeWs, connect, onBook } from './stream.js';
import { refreshSlow } from './tickets.js';

const POLL_MS = 3000;

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

export async function start() {
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
