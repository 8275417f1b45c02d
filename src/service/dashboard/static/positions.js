import { state } from './state.js';
import { fmt, baseOf } from './format.js';
import { $, el, num, badge } from './dom.js';
import { api, errorText } from './api.js';
import { greeksTable, bandBlock } from './greeks.js';
import { drawPayoff } from './charts.js';

// ---- positions ----

function suggestionText(s, h) {
  if (h?.error) return `error: ${h.error}`;
  if (!s) return 'not solved yet';
  if (s.error) return `error: ${s.error}`;
  if (!s.legs?.length) return 'no legs';
  return s.legs.map((l) => `${l.side} ${fmt(l.contracts, 'contracts')} ${l.instrument}`).join(' · ');
}

export function renderPositions() {
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

export function renderPositionDetail() {
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

export async function select(id) {
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
