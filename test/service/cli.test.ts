import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import { register as registerServe } from '../../src/cli/commands/serve.js';
import { openStore } from '../../src/service/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-cli-'));

function program(): Command {
  const p = new Command().exitOverride();
  registerKeys(p);
  registerServe(p);
  return p;
}

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await program().parseAsync(['node', 'ilhedge', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('ilhedge keys', () => {
  it('creates a key, prints it once, and stores only its hash', async () => {
    const db = join(dir, 'keys.sqlite');
    const { stdout, stderr } = await run(['keys', 'create', '--role', 'trader', '--db', db, '--label', 'desk']);
    const key = stdout.trim();
    expect(key).toMatch(/^ilh_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toContain('shown only this once');
    const store = await openStore(db);
    expect((await store.verifyApiKey(key))?.role).toBe('trader');
    await store.close();
    const listed = await run(['keys', 'list', '--db', db, '--json']);
    expect(listed.stdout).not.toContain(key);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ role: 'trader', label: 'desk' });
    await run(['keys', 'revoke', key.split('_')[1]!, '--db', db]);
    const after = await openStore(db);
    expect(await after.verifyApiKey(key)).toBeNull();
    await after.close();
  });

  it('refuses an unknown role, naming the option', async () => {
    await expect(run(['keys', 'create', '--role', 'root', '--db', join(dir, 'x.sqlite')])).rejects.toThrow(/--role/);
  });
});

describe('ilhedge serve', () => {
  it('stops at start-up on a bad setting, naming it', async () => {
    await expect(run(['serve', '--port', 'eighty', '--db', join(dir, 's.sqlite')])).rejects.toThrow(
      /bad config: --port/,
    );
  });
});
