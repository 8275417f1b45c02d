import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { register as registerTicket } from '../../src/cli/commands/ticket.js';
import { register as registerBook } from '../../src/cli/commands/book.js';
import { reportFailure } from '../../src/cli/output.js';
import { ticketSchema } from '../../hedging/index.js';

/** Runs `ilhedge <args>` in-process with the ticket and book commands, as main.ts would, and collects the output. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().name('ilhedge').exitOverride();
  registerTicket(program);
  registerBook(program);
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  let code = 0;
  try {
    await program.parseAsync(['node', 'ilhedge', ...args]);
  } catch (error) {
    code = reportFailure(error);
  } finally {
    vi.restoreAllMocks();
  }
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('ilhedge ticket / book', () => {
  it('prints a ticket table by default, JSON with --json and CSV with --csv', async () => {
    const table = await run(['ticket', '--config', 'config/wbtc-usdc-v3-dynamic.json']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ticket tkt-[0-9a-f]{16} {2}dynamic {2}deribit BTC/);
    expect(table.stdout).toContain('BTC-PERPETUAL');

    const json = await run(['ticket', '--config', 'config/wbtc-usdc-v3-dynamic.json', '--json']);
    expect(json.code).toBe(0);
    const ticket = ticketSchema.parse(JSON.parse(json.stdout));
    expect(ticket.mode).toBe('dynamic');
    expect(ticket.source.kind).toBe('builtin');

    const csv = await run(['ticket', '--config', 'config/wbtc-usdc-v3-dynamic.json', '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split('\n').length).toBe(ticket.legs.length + 1);
  });

  it('--mode static overrides the config', async () => {
    const json = await run(['ticket', '--config', 'config/wbtc-usdc-v3-dynamic.json', '--mode', 'static', '--json']);
    expect(json.code).toBe(0);
    const ticket = ticketSchema.parse(JSON.parse(json.stdout));
    expect(ticket.mode).toBe('static');
    expect(ticket.strip).not.toBeNull();
  });

  // Stale quotes and a chain failing sanity are refused by makeTicket (test/hedging/ticket.test.ts): the built-in
  // data runs on its own clock and passes its checks, so the CLI cannot be shown either without a broken recording.
  it('refuses with a clear message and exit 1: unreachable gamma, unknown instrument, bad config', async () => {
    const gamma = await run(['ticket', '--config', 'test/config/fixtures/gamma-unreachable.json']);
    expect(gamma.code).toBe(1);
    // The fixture makes gamma unreachable with maxContractsPerLeg 0.2: the refusal names that limit.
    expect(gamma.stderr).toMatch(
      /^ilhedge: policy\.limits\.maxContractsPerLeg \(0\.2\): this limit cannot be met: .*no candidate set can reach the gamma target/,
    );

    const unknown = await run(['book', '--config', 'test/config/fixtures/unknown-instrument.json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^ilhedge: position opt: deribit BTC-1JAN20-1-C is not a listed option/);

    const bad = await run(['ticket', '--config', 'test/config/fixtures/not-json.txt']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not valid JSON/);
    expect(bad.stderr).not.toMatch(/unexpected failure/);
  });

  it('rejects a bad --mode as a usage error', async () => {
    const result = await run(['ticket', '--config', 'config/wbtc-usdc-v3-dynamic.json', '--mode', 'both']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--mode: expected dynamic or static/);
  });

  it('book prints Greeks, the perp quantity for delta, option quantities for gamma and the band status', async () => {
    const json = await run(['book', '--config', 'config/wbtc-usdc-v3-dynamic.json', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.total.delta).toBeGreaterThan(0);
    expect(report.total.gamma).toBeLessThan(0);
    // Delta hedge: short the perp; its base units offset the book's delta to within one lot (10 USD / price).
    expect(report.deltaHedge.instrument).toBe('BTC-PERPETUAL');
    expect(Math.abs(report.deltaHedge.baseAmount + report.total.delta)).toBeLessThanOrEqual(10 / report.price);
    expect(report.gammaHedges.length).toBeGreaterThan(0);
    for (const h of report.gammaHedges) expect(h.contracts).toBeGreaterThan(0);
    expect(report.band.action).toBe('rebalance');
    const table = await run(['book', '--config', 'config/wbtc-usdc-v3-dynamic.json']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('band half-width');
  });
});
