/** `ilhedge surface` end to end on the built CLI (built-in data): JSON output, the plot file, usage errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../../cli/runCli.js';

describe('ilhedge surface', () => {
  test('--json fits the built-in chain arbitrage-free and --plot writes an SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilhedge-surface-'));
    const plot = join(dir, 'surface.svg');
    const r = await runCli(['surface', '--venue', 'deribit', '--underlying', 'BTC', '--json', '--plot', plot]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      arbitrageFree: boolean;
      slices: { rmseVolPoints: number }[];
      pointsUsed: number;
    };
    expect(out.arbitrageFree).toBe(true);
    expect(out.slices).toHaveLength(11);
    expect(out.pointsUsed).toBe(439);
    const svg = readFileSync(plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(439);
  }, 60_000);

  test('usage errors exit 2 and name the option', async () => {
    const r = await runCli(['surface', '--venue', 'deribit', '--underlying', 'BTC', '--weighting', 'oi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--weighting/);
    const p = await runCli(['surface', '--venue', 'deribit', '--underlying', 'BTC', '--plot', 'x.png']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--plot/);
  }, 60_000);
});
