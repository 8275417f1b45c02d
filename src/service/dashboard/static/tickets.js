import { state } from './state.js';
import { fmt, isoUtc, baseOf } from './format.js';
import { $, el, num, badge } from './dom.js';
import { api, errorText } from './api.js';
import { greeksTable } from './greeks.js';
import { renderHoldings, scopeText } from './holdings.js';

// ---- tickets ----

/** Tickets and holdings change by other hands (another trader, the ledger's marks): polled. */
export async function refreshSlow() {
  await Promise.all([renderTickets(), renderHoldings()]);
}

const legsOf = (t) => t?.content?.ticket?.legs ?? [];

export async function renderTickets() {
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
