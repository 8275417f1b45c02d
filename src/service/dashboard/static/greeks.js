import { fmt } from './format.js';
import { el, num, badge } from './dom.js';

// ---- Greeks tables ----

/** Rows of Greeks blocks (lp / holdings / net, or before / after) with their units in the header. */
export function greeksTable(table, rows, base, { perUnit = false } = {}) {
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

export function bandBlock(band, toTrade, base) {
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
