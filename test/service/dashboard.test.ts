/**
 * The dashboard in a real headless Chromium (the one the `@sparticuz/chromium` devDependency ships, see
 * test/helpers/browser.ts) driven by playwright-core, on the test service and its scripted feed of the built-in
 * Deribit chain: the page asks for a key; the net book table shows the numbers of `GET /api/book` to the digits it
 * shows; the uPlot session chart gains points as ticks arrive; a ticket proposed from the page shows its legs
 * before approval, is refused to its proposer (four-eyes) and approved after switching to a second trader's key;
 * fills entered on the page (a partial fill, then "filled as ticketed") turn into rows of the holdings table.
 */
import { statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService } from './helpers.js';
import type { Json, TestService } from './helpers.js';

const SCREENSHOT = '/tmp/dashboard.png';

let t: TestService;
let browser: Browser;
let ticker: NodeJS.Timeout | undefined;
let marketMs = 0;
let step = 0;

/**
 * Ticks every 150 ms: the price goes up and down by 0.04 % in turn (so a ticket's re-pricing on approval never
 * sees a move beyond the policy's threshold) and the market clock advances 1 s per tick.
 */
function startTicker(): void {
  ticker = setInterval(() => {
    marketMs += 1000;
    t.feed.pushMove(step++ % 2 === 0 ? 1.0004 : 1 / 1.0004, marketMs);
  }, 150);
}
function stopTicker(): void {
  clearInterval(ticker);
  ticker = undefined;
}

beforeAll(async () => {
  // A wide price collar: the orders panel's dry run executes a ticket whose far option may be priced well off its
  // mark on this thin chain (the collar is tested in execution-manager.test.ts).
  t = await startTestService({ execution: { collarFraction: 0.5 } });
  await t.feed.start();
  // The first option suggestions (the ticket MIP, off the tick) land before the page loads, and the next tick shows
  // them: the payoff the page draws and the one the test reads then carry the same hedge.
  await t.handle.context.desk.idle();
  t.feed.push();
  marketMs = t.feed.current()!.asOfMs;
  startTicker();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  stopTicker();
  await browser?.close();
  await t?.handle.close();
});

/**
 * True when `text` (as the page shows it: grouping commas, an optional unit after a space) is `value` rounded to
 * the digits shown: |shown - value| <= half a unit of the last digit.
 */
function showsValue(text: string | null, value: number): boolean {
  const s = (text ?? '').trim().split(' ')[0]!.replace(/,/g, '');
  const m = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) return false;
  const decimals = m[1]?.length ?? 0;
  const exponent = m[2] ? Number(m[2]) : 0;
  return Math.abs(Number(s) - value) <= 0.5 * 10 ** (exponent - decimals) * (1 + 1e-9);
}

/** The text and exact `data-value` of a cell. */
async function cell(page: Page, selector: string): Promise<{ text: string; value: number }> {
  const loc = page.locator(selector);
  expect(await loc.count(), selector).toBe(1);
  return { text: (await loc.textContent())!, value: Number(await loc.getAttribute('data-value')) };
}

async function expectShows(page: Page, selector: string, value: number): Promise<void> {
  const c = await cell(page, selector);
  expect(c.value, `${selector} data-value`).toBe(value);
  expect(showsValue(c.text, value), `${selector} shows "${c.text}" for ${value}`).toBe(true);
}

const livePoints = (page: Page) => page.evaluate(() => Number(document.getElementById('live-chart')!.dataset.points));

describe('dashboard', () => {
  it('shows the net book, charts the session live, and takes a ticket from proposal to fills and holdings', async () => {
    // An explicit locale: without one the browser takes the process's (`en-US@posix` under LANG=C), which Intl refuses.
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 }, locale: 'en-US', timezoneId: 'UTC' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // The wrong key's 401 and the proposer's refused approval (409) are logged by the browser as failed
      // resources: expected; any other console error counts.
      if (m.type() === 'error' && !/status of (401|409)/.test(m.text())) errors.push(m.text());
    });

    // uPlot is served by the service itself (no external network), and only the two files the page loads.
    const lib = await t.call('GET', '/dashboard/vendor/uplot/uPlot.iife.min.js', { key: null });
    expect(lib.status, 'GET /dashboard/vendor/uplot/uPlot.iife.min.js (mountDashboard in app.ts)').toBe(200);
    expect(lib.text).toContain('uPlot');
    expect((await t.call('GET', '/dashboard/vendor/uplot/uPlot.min.css', { key: null })).status).toBe(200);
    expect((await t.call('GET', '/dashboard/vendor/uplot/uPlot.esm.js', { key: null })).status).toBe(404);

    // ---- the key prompt ----
    await page.goto(`${t.url}/dashboard/`);
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#desk').isHidden()).toBe(true);
    await page.fill('#key-input', 'ilh_0123456789_' + 'x'.repeat(43));
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('login-error')!.textContent!.length > 0);
    expect(await page.textContent('#login-error')).toContain('not accepted');
    expect(await page.locator('#desk').isHidden()).toBe(true);

    await page.fill('#key-input', t.keys.trader);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#markets table.netbook tr[data-row="net"]');
    expect(await page.evaluate(() => sessionStorage.getItem('ilhedge.key'))).toBe(t.keys.trader);
    await page.waitForFunction(() => document.getElementById('conn')!.textContent === 'stream: live');
    await page.waitForFunction(() => document.getElementById('source')!.textContent!.includes('scripted'));
    // The header names the data: the feed's own label, from GET /api/market.
    const label = t.feed.current()!.label!;
    expect(label.length).toBeGreaterThan(5);
    expect(await page.textContent('#source')).toContain(label);

    // ---- the live chart: a uPlot canvas whose points grow with the ticks ----
    await page.waitForSelector('#live-chart .uplot canvas');
    await page.waitForFunction(() => Number(document.getElementById('live-chart')!.dataset.points) >= 3, null, {
      timeout: 10_000,
    });
    const before = await livePoints(page);
    await page.waitForFunction((n) => Number(document.getElementById('live-chart')!.dataset.points) >= n + 3, before, {
      timeout: 10_000,
    });
    expect(await page.locator('#live-chart .u-legend').textContent()).toContain('net delta (BTC)');

    // ---- the net book table against GET /api/book, on a quiet market ----
    stopTicker();
    await new Promise((r) => setTimeout(r, 600));
    const { json: bookRes } = await t.call('GET', '/api/book', { key: t.keys.viewer });
    const book: Json = bookRes.book;
    await page.waitForFunction((seq) => document.getElementById('book-meta')!.dataset.seq === String(seq), book.seq, {
      timeout: 5000,
    });
    const marketKeys = Object.keys(book.byUnderlying);
    expect(marketKeys).toEqual(['deribit/BTC']);
    const m = book.byUnderlying['deribit/BTC'];
    const mk = '#markets .market[data-market="deribit/BTC"]';
    for (const row of ['lp', 'holdings', 'net'] as const) {
      await expectShows(page, `${mk} tr[data-row="${row}"] td[data-col="value"]`, m[row].valueQuote);
      await expectShows(page, `${mk} tr[data-row="${row}"] td[data-col="delta"]`, m[row].delta);
      await expectShows(page, `${mk} tr[data-row="${row}"] td[data-col="gamma"]`, m[row].gamma);
      await expectShows(page, `${mk} tr[data-row="${row}"] td[data-col="vega"]`, m[row].vegaPerVolPoint);
      await expectShows(page, `${mk} tr[data-row="${row}"] td[data-col="theta"]`, m[row].thetaPerDay);
    }
    // The LP's value is real: a seeded book of 1.25 M USD of deposits.
    expect(Math.abs(m.lp.valueQuote)).toBeGreaterThan(1e5);
    expect(m.lp.delta).not.toBe(0);
    await expectShows(page, `${mk} h3 [data-col="price"]`, m.price);
    await expectShows(page, `${mk} [data-col="halfWidth"]`, m.band.halfWidthBase);
    await expectShows(page, `${mk} [data-col="deviation"]`, m.band.deviationBase);
    expect(await page.locator(`${mk} .band .status`).first().textContent()).toBe(m.band.status);
    expect(m.toTrade).not.toBeNull();
    await expectShows(page, `${mk} [data-col="toTrade"]`, m.toTrade.contracts);
    await expectShows(page, `${mk} [data-col="toTradeUnrounded"]`, m.toTrade.contractsUnrounded);
    await expectShows(page, `${mk} [data-col="netGammaLeft"]`, m.toTrade.netGammaLeft);
    const headers = await page.locator(`${mk} table.netbook thead`).textContent();
    expect(headers).toContain('vega (USD per vol pt)');
    expect(headers).toContain('theta (USD per day)');
    // The chart's last point is the book's price and net delta.
    const last = await page.evaluate(() => ({ ...document.getElementById('live-chart')!.dataset }));
    expect(Number(last.lastPrice)).toBe(m.price);
    expect(Number(last.lastDelta)).toBe(m.net.delta);

    // Positions: one row each, the net delta as the API has it, and the suggestion's legs.
    expect(await page.locator('#positions tbody tr').count()).toBe(2);
    for (const p of bookRes.positions as Json[]) {
      await expectShows(page, `#positions tr[data-id="${p.positionId}"] td[data-col="delta"]`, p.net.delta);
      await expectShows(
        page,
        `#positions tr[data-id="${p.positionId}"] td[data-col="halfWidth"]`,
        p.band.halfWidthBase,
      );
    }
    // The payoff chart of the selected (first) position: uPlot with the curves and the strip strikes marked.
    await page.waitForSelector('#payoff .uplot canvas');
    const payoff = await page.evaluate(() => ({ ...document.getElementById('payoff')!.dataset }));
    const selectedId = (await page.getAttribute('#positions tbody tr.selected', 'data-id'))!;
    const curves = (await t.call('GET', `/api/positions/${selectedId}/payoff`, { key: t.keys.viewer })).json;
    expect(Number(payoff.points)).toBe(curves.prices.length);
    expect(curves.prices.length).toBeGreaterThan(50);
    const inRange = curves.strikes.filter((k: number) => k >= curves.prices[0] && k <= curves.prices.at(-1));
    expect(inRange.length).toBeGreaterThan(0);
    expect(Number(payoff.strikes)).toBe(inRange.length);
    expect(await page.locator('#payoff .u-legend').textContent()).toContain('HODL');
    startTicker();

    // The chart keeps growing once the ticks resume.
    const resumed = await livePoints(page);
    await page.waitForFunction((n) => Number(document.getElementById('live-chart')!.dataset.points) > n, resumed, {
      timeout: 10_000,
    });

    // ---- a ticket: propose from the page, legs shown before approval ----
    await page.selectOption('#ticket-mode', 'static');
    await page.selectOption('#ticket-scope', 'selected');
    await page.click('#ticket-propose');
    await page.waitForSelector('#ticket-detail[data-status="proposed"]', { timeout: 30_000 });
    const ticketId = (await page.getAttribute('#ticket-detail', 'data-id'))!;
    const { json: proposed } = await t.call('GET', `/api/tickets/${ticketId}`, { key: t.keys.viewer });
    expect(proposed.status).toBe('proposed');
    expect(proposed.createdBy).toBe(`key:${t.keys.trader.split('_')[1]}`);
    const legs: Json[] = proposed.content.ticket.legs;
    expect(legs.length).toBeGreaterThan(0);
    expect(await page.locator('#ticket-legs tbody tr[data-leg]').count()).toBe(legs.length);
    for (const [i, leg] of legs.entries()) {
      const row = `#ticket-legs tr[data-leg="${i}"]`;
      expect(await page.textContent(`${row} td[data-col="instrument"]`)).toBe(leg.instrument);
      expect(await page.textContent(`${row} td[data-col="side"]`)).toBe(leg.side);
      await expectShows(page, `${row} td[data-col="contracts"]`, leg.contracts);
      await expectShows(page, `${row} td[data-col="limit"]`, leg.limitPrice);
      await expectShows(page, `${row} td[data-col="delta"]`, leg.delta);
      await expectShows(page, `${row} td[data-col="cost"]`, leg.cost);
    }
    // Before/after Greeks of the book, in the display units.
    expect(await page.locator('#ticket-greeks tbody tr').count()).toBe(2);
    const after = proposed.content.book?.after;
    if (after) {
      await expectShows(page, '#ticket-greeks tr[data-row="book after"] td[data-col="delta"]', after.delta);
      await expectShows(page, '#ticket-greeks tr[data-row="book after"] td[data-col="vega"]', after.vegaPerVolPoint);
    } else {
      // The hedging ticket's own blocks: vega per 1.00 of vol and theta per year, labelled so.
      const tk = proposed.content.ticket;
      await expectShows(page, '#ticket-greeks tr[data-row="before"] td[data-col="delta"]', tk.before.delta);
      await expectShows(page, '#ticket-greeks tr[data-row="after"] td[data-col="delta"]', tk.after.delta);
      await expectShows(page, '#ticket-greeks tr[data-row="after"] td[data-col="vega"]', tk.after.vega);
      expect(await page.textContent('#ticket-greeks thead')).toContain('vega (USD per 1.00 vol)');
    }
    // The ticket's carry over the horizon: fees, LVR and the hedge's cost, unhedged beside hedged.
    const carry = proposed.content.ticket.carry;
    expect(carry.horizonDays).toBeGreaterThan(0);
    await expectShows(page, '#ticket-carry tr[data-row="lvr"] td[data-col="unhedged"]', carry.lvrQuote);
    await expectShows(page, '#ticket-carry tr[data-row="hedgeCost"] td[data-col="hedged"]', carry.hedgeCostQuote);
    await expectShows(page, '#ticket-carry tr[data-row="net"] td[data-col="hedged"]', carry.netQuote.hedged);
    expect(await page.locator('#fills-form').isHidden()).toBe(true);

    // Four-eyes: the proposer's own approval is refused, and the page says so.
    await page.click('#ticket-actions button[data-action="approve"]');
    await page.waitForFunction(() => document.getElementById('ticket-msg')!.textContent!.includes('four-eyes'));
    expect((await t.call('GET', `/api/tickets/${ticketId}`, { key: t.keys.viewer })).json.status).toBe('proposed');

    // A second trader's key, switched to on the page, approves it.
    const second = (await t.handle.store.createApiKey('trader', 'second trader')).key;
    await page.click('#switch-key');
    await page.fill('#key-input', second);
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(
      (id) => document.getElementById('who')!.textContent === `key ${id}`,
      second.split('_')[1],
    );
    await page.waitForFunction(() => document.getElementById('conn')!.textContent === 'stream: live');
    await page.click('#ticket-actions button[data-action="approve"]');
    await page.waitForSelector('#ticket-detail[data-status="approved"]', { timeout: 30_000 });
    const approved = (await t.call('GET', `/api/tickets/${ticketId}`, { key: t.keys.viewer })).json;
    expect(approved.status).toBe('approved');
    expect(approved.history.at(-1).actor).toBe(`key:${second.split('_')[1]}`);
    expect(await page.textContent(`#tickets tr[data-id="${ticketId}"] td[data-col="status"]`)).toBe('approved');

    // ---- fills from the page: prefilled with the remaining contracts (signed) and the limit prices ----
    await page.waitForSelector('#fills-form:not([hidden])');
    expect(await page.locator('#fills-table tbody tr').count()).toBe(legs.length);
    for (const [i, leg] of legs.entries()) {
      const row = `#fills-table tr[data-leg="${i}"]`;
      const signed = leg.side === 'sell' ? -leg.contracts : leg.contracts;
      expect(Number(await page.inputValue(`${row} input[name="contracts"]`))).toBe(signed);
      expect(Number(await page.inputValue(`${row} input[name="price"]`))).toBe(leg.limitPrice);
    }
    // First a partial execution: every leg but the last as prefilled, with a fee and an order id on the first.
    await page.fill('#fills-table tr[data-leg="0"] input[name="feeQuote"]', '1.25');
    await page.fill('#fills-table tr[data-leg="0"] input[name="venueOrderId"]', 'deribit-123');
    const lastLeg = legs.length - 1;
    if (legs.length > 1) {
      await page.fill(`#fills-table tr[data-leg="${lastLeg}"] input[name="contracts"]`, '0');
      await page.click('#fills-submit');
      await page.waitForSelector('#ticket-detail[data-status="partially-executed"]', { timeout: 15_000 });
      const partial = (await t.call('GET', `/api/tickets/${ticketId}`, { key: t.keys.viewer })).json;
      expect(partial.status).toBe('partially-executed');
      expect(partial.fills.length).toBe(legs.length - 1);
      expect(partial.fills[0].venueOrderId).toBe('deribit-123');
      expect(partial.fills[0].feeQuote).toBe(1.25);
      // The form reopens with what is left: nothing on the filled legs, the whole last leg.
      await page.waitForSelector('#fills-form:not([hidden])');
      const lastSigned = legs[lastLeg].side === 'sell' ? -legs[lastLeg].contracts : legs[lastLeg].contracts;
      expect(Number(await page.inputValue(`#fills-table tr[data-leg="${lastLeg}"] input[name="contracts"]`))).toBe(
        lastSigned,
      );
      expect(Number(await page.inputValue('#fills-table tr[data-leg="0"] input[name="contracts"]'))).toBe(0);
      await page.click('#fills-as-ticketed');
    } else {
      await page.click('#fills-submit');
    }
    await page.waitForSelector('#ticket-detail[data-status="executed"]', { timeout: 15_000 });
    const executed = (await t.call('GET', `/api/tickets/${ticketId}`, { key: t.keys.viewer })).json;
    expect(executed.status).toBe('executed');
    expect(await page.locator('#fills-form').isHidden()).toBe(true);

    // ---- the holdings table shows the fills ----
    const holdings: Json[] = (await t.call('GET', '/api/holdings', { key: t.keys.viewer })).json.holdings;
    for (const leg of legs) {
      const h = holdings.find((x) => x.instrument === leg.instrument);
      expect(h, leg.instrument).toBeDefined();
      expect(h.netContracts).toBe(leg.side === 'sell' ? -leg.contracts : leg.contracts);
    }
    await page.waitForFunction(
      (n) => document.querySelectorAll('#holdings tbody tr').length >= n,
      new Set(legs.map((l) => l.instrument)).size,
      { timeout: 10_000 },
    );
    for (const h of holdings) {
      const row = `#holdings tr[data-id="${h.id}"]`;
      await expectShows(page, `${row} td[data-col="netContracts"]`, h.netContracts);
      await expectShows(page, `${row} td[data-col="averagePrice"]`, h.averagePrice);
      await expectShows(page, `${row} td[data-col="fees"]`, h.feesQuote);
    }
    // The book's holdings row is no longer empty once the stream has the new ledger.
    await page.waitForFunction(
      () =>
        Number(
          document.querySelector('#markets tr[data-row="holdings"] td[data-col="delta"]')?.getAttribute('data-value'),
        ) !== 0,
      null,
      { timeout: 10_000 },
    );

    // ---- a held hedge entered from the form, then closed at the mark from its row ----
    await page.fill('#holding-form input[name="instrument"]', 'BTC-PERPETUAL');
    await page.selectOption('#holding-form select[name="kind"]', 'perp');
    await page.fill('#holding-form input[name="contracts"]', '-2500');
    await page.fill('#holding-form input[name="entryPrice"]', '75500');
    await page.fill('#holding-form input[name="entryTime"]', '2026-05-20T10:00:00Z');
    await page.selectOption('#holding-form select[name="scope"]', 'book');
    await page.click('#holding-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('holding-msg')!.textContent!.includes('entered'));
    const manual = ((await t.call('GET', '/api/holdings', { key: t.keys.viewer })).json.holdings as Json[]).find(
      (h) => h.instrument === 'BTC-PERPETUAL' && h.scope.length === 0,
    );
    expect(manual).toBeDefined();
    expect(manual.netContracts).toBe(-2500);
    expect(manual.averagePrice).toBe(75500);
    expect(manual.fills[0].atMs).toBe(Date.parse('2026-05-20T10:00:00Z'));
    const manualRow = `#holdings tr[data-id="${manual.id}"]`;
    await page.waitForSelector(manualRow);
    expect(await page.textContent(`${manualRow} td[data-col="scope"]`)).toBe('book');
    await expectShows(page, `${manualRow} td[data-col="netContracts"]`, -2500);
    // An inverse perp's base amount moves with the price (USD contracts / price): the ticks go on, so the row
    // (polled) and this read of the API may be a tick apart.
    const manualBase = await cell(page, `${manualRow} td[data-col="baseAmount"]`);
    expect(manualBase.value).toBeLessThan(0);
    expect(Math.abs(manualBase.value / manual.baseAmount - 1)).toBeLessThan(0.01);
    expect(showsValue(manualBase.text, manualBase.value)).toBe(true);
    await page.click(`${manualRow} button[data-action="close"]`);
    await page.waitForFunction(
      (sel) => document.querySelector(`${sel} td[data-col="netContracts"]`)?.getAttribute('data-value') === '0',
      manualRow,
      { timeout: 10_000 },
    );
    const closed = (await t.call('GET', `/api/holdings/${manual.id}`, { key: t.keys.viewer })).json;
    expect(closed.netContracts).toBe(0);
    expect(closed.fills.length).toBe(2);
    expect(await page.locator(`${manualRow} button[data-action="close"]`).count()).toBe(0);
    await expectShows(page, `${manualRow} td[data-col="realisedPnl"]`, closed.realisedPnl);

    // ---- the backtest report: the lab's numbers as POST /api/backtest gives them, and their plot ----
    await page.selectOption('#backtest-model', 'v2');
    await page.fill('#backtest-from', '2023-06-01');
    await page.fill('#backtest-to', '2023-06-30');
    await page.click('#backtest-run');
    await page.waitForSelector('#backtest-table tr[data-policy="unhedged"]', { timeout: 30_000 });
    const { json: bt } = await t.call('POST', '/api/backtest', {
      key: t.keys.viewer,
      body: {
        position: { model: 'v2', rangeWidth: 0.2, depositValue: 100_000 },
        from: '2023-06-01T00:00:00Z',
        to: '2023-06-30T23:00:00Z',
      },
    });
    expect(bt.policies.length).toBe(4);
    for (const p of bt.policies as Json[])
      for (const k of ['il', 'fees', 'hedgePnl', 'costs', 'total', 'trades'])
        await expectShows(page, `#backtest-table tr[data-policy="${p.policy}"] td[data-col="${k}"]`, p[k]);
    expect(Number(await page.getAttribute('#backtest-chart', 'data-points'))).toBe(bt.series.timesMs.length);

    // ---- the orders panel: a ticket executed (a dry run, the default) shows its orders from the stream ----
    const dry = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(dry.status, dry.text).toBe(201);
    expect((await t.call('POST', `/api/tickets/${dry.json.id}/approve`, { key: second, body: {} })).status).toBe(200);
    const run = await t.call('POST', `/api/tickets/${dry.json.id}/execute`, { key: second, body: { wait: true } });
    expect(run.status, run.text).toBe(200);
    const order = run.json.execution.orders[0];
    expect(order, JSON.stringify(run.json.execution)).toBeDefined();
    const orderRow = `#orders tr[data-id="${order.id}"]`;
    await page.waitForSelector(`${orderRow}[data-state="${order.state}"]`, { timeout: 10_000 });
    expect(await page.textContent(`${orderRow} td[data-col="state"]`)).toBe(order.state);
    await expectShows(page, `${orderRow} td[data-col="filled"]`, order.filledContracts);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
