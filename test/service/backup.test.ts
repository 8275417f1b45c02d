/**
 * Backup, restore and check. A backup taken with SQLite's online backup while the service keeps writing is one
 * consistent snapshot that passes the full check; restore refuses while the service has the database open, then
 * replaces it (keeping the old file) and the service starts on the restored data. `db check` finds what someone
 * with the file could do: an edited, deleted or truncated audit row (even with the append-only triggers dropped),
 * an edited ticket, a ticket status moved without its history, a fill changed in place. The CLI commands run
 * in-process, as `ilhedge db ...` would.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommandInProcess } from '../cli/runCli.js';
import { register as registerDb } from '../../src/cli/commands/db.js';
import { StoreBusyError, backupStore, checkStore, openStore, restoreStore } from '../../src/service/store/index.js';
import { auditRowHash } from '../../src/service/store/index.js';
import type { AuditRow, SqliteDatabase, Store } from '../../src/service/store/index.js';
import { startTestService } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCommandInProcess(registerDb, args);

/** A store with every kind of row: positions, a ticket filled in part, a manual hedge closed, keys rotated/revoked. */
async function populated(path: string): Promise<Store> {
  const store = await openStore(path);
  const p = await store.createPosition(
    { kind: 'lp', venue: 'deribit', underlying: 'BTC', model: 'v2', price: 75_000, depositValue: 100_000 },
    'test',
  );
  const legs = [
    {
      venue: 'deribit' as const,
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      kind: 'perp' as const,
      side: 'sell' as const,
      contracts: 50,
      limitPrice: 75_000,
      feesQuote: 1,
      contractSize: null,
      contractValueQuote: 10,
      priceCurrency: 'USD',
    },
  ];
  const t = await store.createTicket({
    mode: 'dynamic',
    positionIds: [p.id],
    content: { n: 1 },
    actor: 'key:a',
    legs,
  });
  await store.approveTicket(t.id, 'key:b');
  await store.recordTicketFills(t.id, [{ instrument: 'BTC-PERPETUAL', contracts: -20, price: 75_100 }], 'key:b');
  const rejected = await store.createTicket({
    mode: 'static',
    positionIds: [p.id],
    content: { n: 2 },
    actor: 'key:a',
  });
  await store.transitionTicket(rejected.id, 'rejected', 'key:b', 'no');
  const h = await store.addManualHolding(
    {
      venue: 'deribit',
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      kind: 'perp',
      contracts: 30,
      price: 74_000,
      contractSize: null,
      contractValueQuote: 10,
      priceCurrency: 'USD',
    },
    'key:c',
  );
  await store.closeHolding(h.id, { price: 76_000 }, 'key:c');
  const k = await store.createApiKey('viewer', 'test', 'v');
  await store.rotateApiKey(k.record.id, 'test');
  await store.revokeApiKey((await store.createApiKey('trader', 'test')).record.id, 'test');
  return store;
}

describe('db check', () => {
  it('passes a store with every kind of row, and reports counts and the audit head', async () => {
    const store = await populated(join(dir, 'clean.sqlite'));
    const report = await checkStore(store);
    expect(report.problems).toEqual([]);
    expect(report.counts).toMatchObject({ positions: 1, tickets: 2, fills: 3, holdings: 2, keys: 3 });
    expect(report.auditHeadHash).toMatch(/^[0-9a-f]{64}$/);
    await store.close();
  });

  it('finds an edited, a deleted and a truncated audit row even with the append-only triggers dropped', async () => {
    const store = await populated(join(dir, 'tamper-audit.sqlite'));
    const db = (store.db as SqliteDatabase).raw;
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete');
    const { actor } = db.prepare('SELECT actor FROM audit_log WHERE id = 3').get() as { actor: string };
    db.prepare("UPDATE audit_log SET actor = 'key:mallory' WHERE id = 3").run();
    expect((await checkStore(store)).problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^audit row 3 .*does not match its hash \(edited\)/)]),
    );
    // Put back as it was, the chain verifies again: the check compares content, not timestamps of edits.
    db.prepare('UPDATE audit_log SET actor = ? WHERE id = 3').run(actor);
    expect((await checkStore(store)).problems).toEqual([]);
    db.prepare('DELETE FROM audit_log WHERE id = 5').run();
    const deleted = (await checkStore(store)).problems;
    expect(deleted).toEqual(expect.arrayContaining([expect.stringMatching(/audit row 6: expected id 5/)]));
    expect(deleted).toEqual(expect.arrayContaining([expect.stringMatching(/audit row 6: prev_hash does not match/)]));
    await store.close();

    // Only the last row deleted: the chain is intact, but SQLite issued a higher id than the log holds.
    const tail = await populated(join(dir, 'tamper-tail.sqlite'));
    const tailDb = (tail.db as SqliteDatabase).raw;
    tailDb.exec('DROP TRIGGER audit_no_delete');
    tailDb.prepare('DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)').run();
    expect((await checkStore(tail)).problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/ids up to \d+ were issued but the last row is \d+/)]),
    );
    await tail.close();
  });

  it('finds a log rewritten from an edited row onwards (every hash recomputed) against a head recorded before', async () => {
    const store = await populated(join(dir, 'tamper-rewrite.sqlite'));
    const recorded = (await checkStore(store)).auditHeadHash;
    const db = (store.db as SqliteDatabase).raw;
    db.exec('DROP TRIGGER audit_no_update');
    // The forger edits row 2 and recomputes every hash after it, so the chain verifies on its own...
    db.prepare('UPDATE audit_log SET detail_json = \'{"role":"admin"}\' WHERE id = 2').run();
    let prev = (db.prepare('SELECT row_hash FROM audit_log WHERE id = 1').get() as { row_hash: string }).row_hash;
    for (const row of db.prepare('SELECT * FROM audit_log WHERE id >= 2 ORDER BY id').all() as AuditRow[]) {
      const hash = auditRowHash(prev, row);
      db.prepare('UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?').run(prev, hash, row.id);
      prev = hash;
    }
    expect((await store.verifyAuditChain()).problems).toEqual([]);
    // ...but not against the head recorded outside the database before the edit.
    expect((await checkStore(store, { auditHeads: [recorded] })).problems).toEqual([
      `audit log: the recorded head ${recorded} is not in the chain (the log up to it was rewritten)`,
    ]);
    await store.close();
  });

  it('finds an edited ticket, a status moved without history, and a fill changed in place', async () => {
    const store = await populated(join(dir, 'tamper-ledger.sqlite'));
    const db = (store.db as SqliteDatabase).raw;
    const [filled, rejected] = (
      db.prepare("SELECT id, status FROM tickets ORDER BY status = 'rejected'").all() as { id: string }[]
    ).map((r) => r.id);
    db.prepare(`UPDATE tickets SET content_json = '{"n":9}' WHERE id = ?`).run(filled);
    db.prepare(`UPDATE tickets SET status = 'approved' WHERE id = ?`).run(rejected);
    db.exec('DROP TRIGGER fills_no_update');
    db.prepare("UPDATE fills SET contracts = -25 WHERE source = 'ticket'").run();
    const problems = (await checkStore(store)).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        `ticket ${filled}: content does not match its sha256 (edited)`,
        `ticket ${rejected}: status approved but its history ends at rejected`,
        expect.stringMatching(/^fill .*: -25 at 75100, but its audit row says -20 at 75100 \(edited\)$/),
      ]),
    );
    await store.close();
  });

  it('ilhedge db check: prints the report, and fails (naming the problems) on a damaged or tampered file', async () => {
    const path = join(dir, 'cli-check.sqlite');
    await (await populated(path)).close();
    const ok = await cli(['db', 'check', '--db', path]);
    expect(ok.stdout).toMatch(/result\s+│\s+ok/);
    const head = /audit head hash\s+│\s+([0-9a-f]{64})/.exec(ok.stdout)![1]!;
    // A head recorded earlier is still in the chain of an untouched (or only appended-to) log.
    const store0 = await openStore(path);
    await store0.createApiKey('viewer', 'later');
    await store0.close();
    expect((await cli(['db', 'check', '--db', path, '--audit-head', head])).stdout).toMatch(/result\s+│\s+ok/);
    await expect(cli(['db', 'check', '--db', path, '--audit-head', 'f'.repeat(64)])).rejects.toThrow(/1 problems/);
    const store = await openStore(path);
    const raw = (store.db as SqliteDatabase).raw;
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare("UPDATE audit_log SET detail_json = '{}' WHERE id = 2").run();
    await store.close();
    const failure = (await cli(['db', 'check', '--db', path]).then(
      () => null,
      (e: unknown) => e,
    )) as (Error & { stdout: string }) | null;
    expect(failure?.message).toMatch(/failed its check: 1 problems/);
    expect(failure?.stdout).toMatch(/problem: audit row 2 .*\(edited\)/);

    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a database, just text that is long enough to have a header'.repeat(100));
    await expect(cli(['db', 'check', '--db', junk])).rejects.toThrow(
      /store-corrupt: .*not a readable ilhedge database/,
    );
    await expect(cli(['db', 'check', '--db', join(dir, 'missing.sqlite')])).rejects.toThrow(/does not exist/);
  });
});

describe('db backup and restore', () => {
  it('backs up while the service writes, refuses to restore under the running service, restores once it stops', async () => {
    const path = join(dir, 'live.sqlite');
    const t = await startTestService({ dbPath: path });
    let running = true;
    let acknowledged = 0;
    // A writer entering hedges by hand for as long as the backup runs.
    const writer = (async () => {
      while (running) {
        const r = await t.call('POST', '/api/holdings', {
          key: t.keys.trader,
          body: { venue: 'deribit', underlying: 'BTC', instrument: 'BTC-PERPETUAL', contracts: 1, entryPrice: 75_000 },
        });
        expect(r.status, r.text).toBe(201);
        acknowledged++;
      }
    })();
    while (acknowledged < 5) await new Promise((r) => setTimeout(r, 2));
    const backup = join(dir, 'live-backup.sqlite');
    const result = await backupStore(path, backup);
    const atBackup = acknowledged;
    while (acknowledged < atBackup + 5) await new Promise((r) => setTimeout(r, 2));
    running = false;
    await writer;
    expect(result.check.ok).toBe(true);
    expect(existsSync(`${backup}.partial`)).toBe(false);
    await expect(backupStore(path, backup)).rejects.toThrow(/already exists/);

    const copy = await openStore(backup);
    const inBackup = (await copy.listFills()).length;
    expect((await checkStore(copy)).problems).toEqual([]);
    await copy.close();
    // One snapshot: at least what was acknowledged before the backup started, not what came after it finished.
    expect(inBackup).toBeGreaterThanOrEqual(5);
    expect(inBackup).toBeLessThanOrEqual(atBackup + 1);
    const live = (await t.handle.store.listFills()).length;
    expect(live).toBe(acknowledged);
    expect(live).toBeGreaterThan(inBackup);

    // The service still has the database open: restore refuses and changes nothing.
    await expect(restoreStore(backup, path)).rejects.toThrow(StoreBusyError);
    await expect(restoreStore(backup, path)).rejects.toThrow(/open in another process/);
    expect((await t.handle.store.listFills()).length).toBe(live);
    await t.handle.close();

    const restored = await cli(['db', 'restore', backup, '--db', path, '--json']);
    const answer = JSON.parse(restored.stdout);
    expect(answer.check.ok).toBe(true);
    expect(existsSync(answer.previous)).toBe(true);
    const again = await startTestService({ dbPath: path });
    expect((await again.handle.store.listFills()).length).toBe(inBackup);
    expect((await checkStore(again.handle.store)).problems).toEqual([]);
    await again.handle.close();
    // The database it replaced is kept whole beside it.
    const previous = await openStore(answer.previous);
    expect((await previous.listFills()).length).toBe(live);
    await previous.close();
  }, 60_000);

  it('ilhedge db backup writes a checked copy; restore refuses a damaged backup and leaves the database alone', async () => {
    const path = join(dir, 'cli.sqlite');
    await (await populated(path)).close();
    const dest = join(dir, 'cli-backup.sqlite');
    const out = await cli(['db', 'backup', dest, '--db', path, '--json']);
    expect(JSON.parse(out.stdout)).toMatchObject({ path: dest, check: { ok: true } });
    const bad = join(dir, 'bad-backup.sqlite');
    writeFileSync(bad, 'SQLite format 3\0 but nothing after it');
    await expect(cli(['db', 'restore', bad, '--db', path])).rejects.toThrow(
      /store-corrupt: .*bad-backup\.sqlite is not a readable ilhedge database \(file is not a database\)/,
    );
    const store = await openStore(path);
    expect((await checkStore(store)).counts.tickets).toBe(2);
    await store.close();
    await expect(cli(['db', 'restore', join(dir, 'nope.sqlite'), '--db', path])).rejects.toThrow(/does not exist/);
  });
});
