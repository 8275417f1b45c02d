/** `ilhedge backtest` and `ilhedge simulate` end to end on the built CLI (npm test builds first). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/runCli.js';

const F = 'test/fixtures/history/';

describe('ilhedge backtest', () => {
  it('v3 on real hourly ETH with pool fees, DVOL and funding: JSON per policy and an offline HTML report', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'lab-')), 'report.html');
    const r = await runCli([
      'backtest',
      '--prices',
      F + 'binance_spot_ethusdt_1h_2022-07_2023-06.csv',
      '--pool',
      F + 'univ3_usdc_weth_030_hourly_2022-07_2023-06.csv',
      '--iv',
      F + 'deribit_dvol_eth_daily_2022-07_2023-06.csv',
      '--iv-filter',
      'currency=ETH',
      '--funding',
      F + 'binance_usdm_funding_ethusdt_8h_2022-07_2023-06.csv',
      '--funding-filter',
      'symbol=ETHUSDT',
      '--from',
      '2023-01-01',
      '--to',
      '2023-03-31T23:00:00Z',
      '--policies',
      'unhedged,perp-band,strip',
      '--json',
      '--report',
      report,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { policies: Record<string, number | string>[] };
    expect(out.policies.map((p) => p.policy)).toEqual(['unhedged', 'perp-band', 'strip']);
    for (const p of out.policies)
      for (const k of [
        'il',
        'fees',
        'hedgePnl',
        'funding',
        'costs',
        'total',
        'var95',
        'cvar95',
        'var99',
        'cvar99',
        'worstDrawdown',
        'trades',
      ])
        expect(typeof p[k]).toBe('number');
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script src=/);
  });

  it('says what it assumed for missing series, and refuses a bad file by name', async () => {
    const r = await runCli([
      'backtest',
      '--prices',
      F + 'binance_spot_ethusdt_1h_2022-07_2023-06.csv',
      '--to',
      '2022-07-10',
      '--policies',
      'unhedged',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/assumed: no pool series: fees at --fee-apr 0.1/);
    expect(r.stdout).toMatch(/assumed: no funding series/);
    const bad = await runCli(['backtest', '--prices', F + 'SOURCES.md']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/SOURCES\.md/);
  });
});

describe('ilhedge simulate', () => {
  it('Heston on two workers with progress on stderr', async () => {
    const r = await runCli([
      'simulate',
      '--path-model',
      'heston',
      '--paths',
      '40',
      '--days',
      '7',
      '--policies',
      'unhedged,perp-time',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/simulate: 40\/40 paths/);
    const out = JSON.parse(r.stdout) as { policies: { policy: string; sd: number }[] };
    expect(out.policies).toHaveLength(2);
    expect(out.policies[1]!.sd).toBeLessThan(out.policies[0]!.sd);
  });
});
