/**
 * `ilhedge ticket --with-market <venue>=<source>`: further venues' markets for the same underlying, loaded at the
 * edge and passed to the ticket as `venueMarkets`. No real recording of a second venue loads as a full snapshot
 * (Bybit's BTC option instruments and every OKX/Binance option ticker are missing from the public payloads:
 * test/fixtures/exchanges/SOURCES.md), so these tests show the wiring by what each stage refuses; the ticket itself
 * on two venues is tested in multiVenue.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFurtherMarkets, register as registerTicket } from '../../src/cli/commands/ticket.js';
import { reportFailure } from '../../src/cli/output.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().name('ilhedge').exitOverride();
  registerTicket(program);
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => ((stdout += String(chunk)), true),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => ((stderr += String(chunk)), true),
  );
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

const CONFIG = 'config/wbtc-usdc-v3-dynamic.json';

/** The example config with more venues allowed for the desk (and for its candidates). */
function configWithVenues(venues: string[]): string {
  const config = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown> & {
    policy: { candidates: Record<string, unknown> };
  };
  config.venues = venues;
  config.policy.candidates.venues = venues;
  const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-mv-')), 'desk.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('ilhedge ticket --with-market', () => {
  it('parses repeated <venue>=<source> values; a malformed one or an unknown venue is a usage error (exit 2)', async () => {
    expect(parseFurtherMarkets(['bybit=replay:a.json', 'okx=live'])).toEqual([
      { venue: 'bybit', source: 'replay:a.json' },
      { venue: 'okx', source: 'live' },
    ]);
    const malformed = await run(['ticket', '--config', CONFIG, '--with-market', 'bybit']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--with-market: expected <venue>=<source>');
    const unknown = await run(['ticket', '--config', CONFIG, '--with-market', 'kraken=builtin']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown venue "kraken"');
  });

  it("a venue outside the config's venues is refused (exit 1), naming them", async () => {
    const r = await run(['ticket', '--config', CONFIG, '--with-market', 'okx=builtin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--with-market okx: not among the config's venues (deribit)");
    expect(r.stdout).toBe('');
  });

  it("the venue's market is loaded from its source: a replay of another venue's data is refused (exit 1)", async () => {
    const file = configWithVenues(['deribit', 'okx']);
    const r = await run([
      'ticket',
      '--config',
      file,
      '--with-market',
      'okx=replay:adapters/builtin/deribit-BTC-2026-05-26.json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds deribit data, not okx/);
  });

  it('the loaded market reaches the ticket: the book venue given again is refused by the ticket (exit 1)', async () => {
    const r = await run(['ticket', '--config', CONFIG, '--with-market', 'deribit=builtin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('venueMarkets[0].market.venue');
    expect(r.stderr).toContain("is given twice (it is the ticket's own market)");
  });
});
