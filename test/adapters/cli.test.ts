/**
 * `ilhedge chain` and `ilhedge quote` on the built-in data (no network): the JSON contract of the issue, the
 * source and age lines, and clear errors. The commands are driven through commander in-process.
 */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerChain } from '../../src/cli/commands/chain.js';
import { register as registerQuote } from '../../src/cli/commands/quote.js';
import { CliError } from '../../src/cli/output.js';

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerChain(program);
  registerQuote(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'ilhedge', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('ilhedge chain', () => {
  it('--json: per expiry expiry (ISO) and forward, per option the contract fields of the issue', async () => {
    const out = JSON.parse(
      await run(['chain', '--venue', 'deribit', '--underlying', 'BTC', '--expiry', '2026-06-26', '--json']),
    );
    expect(out.source.kind).toBe('builtin');
    expect(out.source.label).toMatch(/reconstructed from real values/);
    expect(out.source.dataTime).toBe('2026-05-26T19:27:44.000Z');
    expect(out.source.ageVsNowMs).toBeGreaterThan(0);
    expect(out.expiries).toHaveLength(1);
    const e = out.expiries[0];
    expect(e.expiry).toBe('2026-06-26T08:00:00.000Z');
    expect(e.forward).toBe(75957.4);
    const o = e.options.find((x: { instrument: string }) => x.instrument === 'BTC-26JUN26-80000-C');
    // From the export: mark_iv 33.02, mark 0.01811492 BTC, bid 0.0175, ask 0.0185.
    expect(o).toMatchObject({
      instrument: 'BTC-26JUN26-80000-C',
      type: 'call',
      strike: 80000,
      markIv: 0.3302,
      markPriceSettle: 0.01811492,
      contractSize: 1,
      minAmount: 0.1,
      amountStep: 0.1,
      tick: 0.0001,
      timestamp: '2026-05-26T19:27:44.000Z',
      usableForHedging: true,
    });
    expect(o.markPrice).toBeCloseTo(0.01811492 * 75957.4, 8);
    expect(o.bid).toBeCloseTo(0.0175 * 75957.4, 8);
    expect(o.ask).toBeCloseTo(0.0185 * 75957.4, 8);
    expect(e.options).toHaveLength(118);
    expect(out.perp.fundingRate).toBe(7e-7);
  });

  it('table output names the source and the age of the data', async () => {
    const out = await run(['chain', '--venue', 'deribit', '--underlying', 'BTC', '--expiry', '2026-05-27']);
    expect(out).toMatch(/^source: builtin: Deribit BTC 2026-05-26T19:27:44Z \(reconstructed from real values\)$/m);
    expect(out).toMatch(
      /^data time: 2026-05-26T19:27:44.000Z \(.* before now\); staleness judged on the data's own clock/m,
    );
    expect(out).toContain('BTC-27MAY26-76000-C');
    expect(out).toMatch(/forward 75797.57 \(parity: option underlying_price \(venue synthetic forward/);
  });

  it('an expiry without options and an unknown venue are clear errors', async () => {
    await expect(run(['chain', '--venue', 'deribit', '--underlying', 'BTC', '--expiry', '2026-06-27'])).rejects.toThrow(
      /--expiry 2026-06-27: no deribit BTC options expire then \(expiries: 2026-05-27, /,
    );
    await expect(run(['chain', '--venue', 'kraken', '--underlying', 'BTC'])).rejects.toThrow(CliError);
    await expect(run(['chain', '--venue', 'deribit', '--underlying', 'BTC', '--source', 'replay:'])).rejects.toThrow(
      /--source: expected builtin, live or replay:<file>/,
    );
    await expect(run(['chain', '--venue', 'deribit', '--underlying', 'BTC', '--expiry', '26/06/2026'])).rejects.toThrow(
      /expected a date YYYY-MM-DD/,
    );
  });
});

describe('ilhedge quote', () => {
  it('an option as JSON', async () => {
    const out = JSON.parse(await run(['quote', '--venue', 'deribit', '--instrument', 'BTC-26JUN26-80000-P', '--json']));
    expect(out.source.kind).toBe('builtin');
    expect(out.quote).toMatchObject({
      instrument: 'BTC-26JUN26-80000-P',
      type: 'put',
      strike: 80000,
      forward: 75957.4,
    });
    expect(out.usableForHedging).toBe(true);
  });

  it('the perp as a table, with funding per 8 h', async () => {
    const out = await run(['quote', '--venue', 'deribit', '--instrument', 'BTC-PERPETUAL']);
    expect(out).toMatch(/^source: builtin/m);
    expect(out).toMatch(/fundingIntervalMs\s*│\s*28800000/);
    expect(out).toMatch(/timestampMs\s*│\s*1779823664000/);
  });

  it('an unknown instrument is refused with the venue named', async () => {
    await expect(run(['quote', '--venue', 'deribit', '--instrument', 'BTC-26JUN26-80001-C'])).rejects.toThrow(
      'deribit: unknown instrument "BTC-26JUN26-80001-C"',
    );
  });
});
