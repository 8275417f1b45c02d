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

/** Each balance as held now (in its currency) and what moved it since it was stated. */
function collateralLine(balances) {
  const p = el('p', { class: 'collateral' });
  p.append('collateral: ');
  balances.forEach((b, i) => {
    if (i > 0) p.append(' · ');
    const amount = b.unit === 'coin' ? 'base' : 'usd';
    p.append(
      `${b.venue} ${b.currency} `,
      el(
        'span',
        { class: 'num', 'data-col': 'balance', 'data-id': b.id, 'data-value': b.balanceInCurrency },
        fmt(b.balanceInCurrency, amount),
      ),
      ` (stated ${fmt(b.startingInCurrency, amount)}, premium ${fmt(b.premiumInCurrency, amount)}, ` +
        `P&L ${fmt(b.pnlInCurrency, amount)}, fees ${fmt(b.feesInCurrency, amount)})`,
    );
  });
  return p;
}

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
    // Venue balances (collateral) are a part of the book when it has any: their row sums with lp and holdings to net.
    const balances = m.balances ?? [];
    greeksTable(
      table,
      [
        ['lp', m.lp],
        ['holdings', m.holdings],
        ...(balances.length ? [['collateral', m.collateral]] : []),
        ['net', m.net],
      ],
      base,
    );
    block.append(title, table);
    if (balances.length) block.append(collateralLine(balances));
    if (m.error) block.append(el('p', { class: 'status stale' }, m.error));
    block.append(bandBlock(m.band, m.toTrade, base));
    blocks.push(block);
  }
  $('markets').replaceChildren(...blocks);
  renderSource();
}
