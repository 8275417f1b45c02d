/**
 * `ilhedge serve`'s live flags through commander, as a user types them: `--source`, `--demo`, `--record`; bad values
 * are usage errors (exit 2) naming the flag.
 */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerServe } from '../../src/cli/commands/serve.js';
import { CliError, EXIT_USAGE } from '../../src/cli/output.js';

afterEach(() => vi.restoreAllMocks());

function program(): Command {
  const p = new Command().exitOverride();
  registerServe(p);
  return p;
}

async function serve(args: string[]): Promise<unknown> {
  return program()
    .parseAsync(['node', 'ilhedge', 'serve', ...args])
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe('ilhedge serve live flags', () => {
  it('documents --source, --demo and --record', () => {
    const help = program()
      .commands.find((c) => c.name() === 'serve')!
      .helpInformation();
    expect(help).toContain('--source <spec>');
    expect(help).toContain('--demo');
    expect(help).toContain('--record <file>');
    expect(help).toContain('ILHEDGE_<VENUE>_REST_URL');
  });

  it('refuses a bad --source and --record on non-live data as usage errors naming the flag', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const bad = await serve(['--source', 'nonsense', '--db', ':memory:', '--port', '0']);
    expect(bad).toBeInstanceOf(CliError);
    expect((bad as CliError).message).toMatch(/^bad config: --source: must be builtin, live or replay:<file>/);
    expect((bad as CliError).exitCode).toBe(EXIT_USAGE);
    const rec = await serve(['--record', 'x.json', '--db', ':memory:', '--port', '0']);
    expect((rec as Error).message).toMatch(/^bad config: --record: records what a live feed receives/);
  });
});
