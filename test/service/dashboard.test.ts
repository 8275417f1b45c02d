/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, see scripts/ensure-chromium.sh) driven by
 * playwright-core: log in with a key, see positions and the payoff chart render (non-empty SVG paths), watch the
 * hedge stream update the table, and approve a ticket from the page.
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from './helpers.js';
import type { TestService } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let t: TestService;
let browser: Browser;
let ticker: NodeJS.Timeout;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: run scripts/ensure-chromium.sh`);
  t = await startTestService();
  await t.feed.start();
  ticker = setInterval(() => t.feed.pushMove(1.0005), 100);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await browser?.close();
  await t?.handle.close();
});

describe('dashboard', () => {
  it('asks for a key, renders the payoff chart, streams hedge ratios and approves a ticket', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${t.url}/dashboard/`);
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#desk').isHidden()).toBe(true);

    // A wrong key is refused on the page.
    await page.fill('#key-input', 'ilh_0123456789_' + 'x'.repeat(43));
    await page.click('#key-form button');
    await page.waitForFunction(() => document.getElementById('login-error')!.textContent!.length > 0);
    expect(await page.textContent('#login-error')).toContain('not accepted');

    await page.fill('#key-input', t.keys.trader);
    await page.click('#key-form button');
    await page.waitForSelector('#positions tbody tr');
    expect(await page.locator('#positions tbody tr').count()).toBe(2);
    expect(await page.evaluate(() => sessionStorage.getItem('ilhedge.key'))).toBe(t.keys.trader);

    // The chart: three curves with real path data and strike markers.
    await page.waitForSelector('#payoff path.curve.lp');
    const curves = await page.$$eval('#payoff path.curve', (paths) =>
      paths.map((p) => ({
        cls: p.getAttribute('class'),
        segments: (p.getAttribute('d') ?? '').split('L').length,
        len: (p as SVGPathElement).getTotalLength(),
      })),
    );
    expect(curves.map((c) => c.cls)).toEqual(['curve hodl', 'curve lp', 'curve hedged']);
    for (const c of curves) {
      expect(c.segments).toBeGreaterThan(50);
      expect(c.len).toBeGreaterThan(100);
    }
    expect(await page.locator('#payoff line.strike').count()).toBeGreaterThan(0);
    const box = await page.locator('#payoff').boundingBox();
    expect(box!.width).toBeGreaterThan(300);

    // Live stream: the delta cell of the first row changes as ticks arrive.
    await page.waitForFunction(() => document.getElementById('conn')!.textContent === 'stream: live');
    const firstDelta = await page.textContent('#positions tbody tr:first-child td.delta');
    await page.waitForFunction(
      (before) => document.querySelector('#positions tbody tr:first-child td.delta')!.textContent !== before,
      firstDelta,
      { timeout: 5000 },
    );
    expect(await page.textContent('#greeks')).toContain('perp to neutralise delta');
    expect(await page.textContent('#source')).toContain('scripted');

    // Tickets: propose from the page, then approve it.
    await page.click('#ticket-static');
    await page.waitForSelector('#tickets tbody tr button[data-action="approve"]');
    await page.click('#tickets tbody tr button[data-action="approve"]');
    await page.waitForFunction(() => document.querySelector('#tickets tbody tr td.status')!.textContent === 'approved');
    const tickets = (await t.call('GET', '/api/tickets', { key: t.keys.viewer })).json.tickets;
    expect(tickets[0].status).toBe('approved');
    expect(tickets[0].history[1].actor).toBe(`key:${t.keys.trader.split('_')[1]}`);

    const shot = join(mkdtempSync(join(tmpdir(), 'ilhedge-dashboard-')), 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
