import { state } from './state.js';
import { fmt, isoUtc, baseOf } from './format.js';
import { $, el } from './dom.js';
import { api } from './api.js';
import { greeksTable, bandBlock } from './greeks.js';

// ---- market source (header) ----

export async function loadMarkets() {
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

// ---- the net book ----

export function renderBook() {
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
