/**
 * Which store the service opens (issue 19, Deliver 1): the desk config's `store.url` when neither `--db` nor
 * `ILHEDGE_DB_URL`/`ILHEDGE_DB` names one, the flag or the environment over it, and never a password in a file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deskConfigSchema } from '../../src/config/deskConfig.js';
import { runService } from '../../src/service/run.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-store-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The v2 example desk with a `store` section. */
function configWith(store: unknown): string {
  const example = JSON.parse(readFileSync('config/wbtc-usdc-v2-dynamic.json', 'utf8')) as Record<string, unknown>;
  const file = join(dir, `desk-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...example, store }));
  return file;
}

describe('the store a desk config names', () => {
  it('opens store.url when neither the flag nor the environment names a store', async () => {
    const db = join(dir, 'from-config.sqlite');
    const { handle } = await runService({ config: configWith({ url: db }), port: 0 }, { ILHEDGE_LOG_LEVEL: 'silent' });
    try {
      expect(handle.store.path).toBe(db);
      expect(existsSync(db)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('lets --db and the environment override store.url', async () => {
    const config = configWith({ url: join(dir, 'not-this.sqlite') });
    const flagged = join(dir, 'flag.sqlite');
    const viaFlag = await runService({ config, db: flagged, port: 0 }, { ILHEDGE_LOG_LEVEL: 'silent' });
    await viaFlag.handle.close();
    expect(viaFlag.handle.store.path).toBe(flagged);
    const envDb = join(dir, 'env.sqlite');
    const viaEnv = await runService({ config, port: 0 }, { ILHEDGE_LOG_LEVEL: 'silent', ILHEDGE_DB: envDb });
    await viaEnv.handle.close();
    expect(viaEnv.handle.store.path).toBe(envDb);
    expect(existsSync(join(dir, 'not-this.sqlite'))).toBe(false);
  });

  it('refuses a PostgreSQL URL with a password in the file, naming store.url', () => {
    const example = JSON.parse(readFileSync('config/wbtc-usdc-v2-dynamic.json', 'utf8')) as Record<string, unknown>;
    const parsed = deskConfigSchema.safeParse({ ...example, store: { url: 'postgres://desk:s3cret@db:5432/desk' } });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path).toEqual(['store', 'url']);
    expect(issue.message).toMatch(/PGPASSWORD/);
    expect(deskConfigSchema.safeParse({ ...example, store: { url: 'postgres://desk@db:5432/desk' } }).success).toBe(
      true,
    );
  });
});
