/**
 * The dashboard's net book with venue balances, in the headless Chromium of test/helpers/browser.ts: a market with
 * a balance shows a `collateral` row beside `lp` and `holdings` with the numbers of `GET /api/book`, and each
 * balance as held now; a market without one keeps its three rows (the dashboard test covers those).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService, v3Position, type Json, type TestService } from './helpers.js';

let t: TestService;
let browser: Browser;

beforeAll(async () => {
  t = await startTestService({
    seedPositions: [
      v3Position,
      { kind: 'balance', id: 'btc-collateral', venue: 'deribit', underlying: 'BTC', currency: 'BTC', amountCoin: 2.5 },
    ],
  });
  await t.feed.start();
  await t.handle.context.desk.idle();
  t.feed.push();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.handle.close();
});

describe('dashboard net book with collateral', () => {
  it('shows the collateral row and the balance as the API serves them', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${t.url}/dashboard/`);
    await page.fill('#key-input', t.keys.viewer);
    await page.click('#key-form button[type="submit"]');
    const mk = '#markets .market[data-market="deribit/BTC"]';
    await page.waitForSelector(`${mk} table.netbook tr[data-row="collateral"]`);
    t.feed.push();
    const book: Json = (await t.call('GET', '/api/book')).json.book;
    await page.waitForFunction((seq) => document.getElementById('book-meta')!.dataset.seq === String(seq), book.seq, {
      timeout: 5000,
    });
    const m = book.byUnderlying['deribit/BTC'];
    expect(m.collateral.delta).toBe(2.5);
    const rows = await page
      .locator(`${mk} table.netbook tbody tr`)
      .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.row));
    expect(rows).toEqual(['lp', 'holdings', 'collateral', 'net']);
    for (const col of ['value', 'delta'] as const) {
      const value = Number(
        await page.locator(`${mk} tr[data-row="collateral"] td[data-col="${col}"]`).getAttribute('data-value'),
      );
      expect(value).toBe(col === 'value' ? m.collateral.valueQuote : m.collateral.delta);
    }
    const balance = page.locator(`${mk} .collateral [data-col="balance"][data-id="btc-collateral"]`);
    expect(Number(await balance.getAttribute('data-value'))).toBe(m.balances[0].balanceInCurrency);
    expect(await page.locator(`${mk} .collateral`).textContent()).toContain('deribit BTC');
    expect(errors).toEqual([]);
  });
});
