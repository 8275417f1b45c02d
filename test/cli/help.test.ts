import { describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';

describe('ilhedge --help', () => {
  it('prints usage and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ilhedge');
  });

  it('rejects an unknown command with a usage error', async () => {
    const result = await runCli(['no-such-command']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command|too many arguments/);
  });
});
