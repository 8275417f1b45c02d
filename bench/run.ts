/**
 * `npm run bench [-- --json] [-- --only <prefix>]`: runs every suite and prints a table, or one JSON object per
 * line with `--json`. The machine, Node version and date are printed with the results so they can be pasted into
 * `bench/RESULTS.md`.
 */
import os from 'node:os';
import { suites } from './suites/index.js';
import type { BenchResult } from './harness.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
};

function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined) return '';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(digits);
}

const results: BenchResult[] = [];
for (const suite of suites) {
  if (only && !suite.name.startsWith(only)) continue;
  const suiteResults = await suite.run();
  for (const result of suiteResults) {
    results.push(result);
    if (asJson) process.stdout.write(JSON.stringify({ ...result, machine }) + '\n');
  }
}

if (!asJson) {
  process.stdout.write(`machine: ${machine.cpu} x${machine.cores}, node ${machine.node}, ${machine.date}\n\n`);
  const rows = results.map((r) => [
    r.name,
    fmt(r.opsPerSec),
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    r.ratioTo ? `${r.ratioTo.ratio.toPrecision(3)}x vs ${r.ratioTo.name}` : '',
    r.extra ? JSON.stringify(r.extra) : '',
  ]);
  const header = ['name', 'ops/s', 'p50 ms', 'p99 ms', 'ilhedge speed-up', 'extra'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(line(header) + '\n' + rows.map(line).join('\n') + '\n');
}
