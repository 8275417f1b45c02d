import { state } from './state.js';
import { $, el, num } from './dom.js';
import { api, errorText } from './api.js';

// ---- holdings ----

export function scopeText(scope) {
  if (!scope?.length) return 'book';
  return scope.map((id) => state.hedges.get(id)?.name ?? id.slice(0, 8)).join(', ');
}

function money(value, ccy, col) {
  const td = num(value, ccy === 'USD' ? 'usd' : 'px', col);
  if (typeof value === 'number') td.textContent += ` ${ccy ?? ''}`;
  return td;
}

export async function renderHoldings() {
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
