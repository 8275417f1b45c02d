/**
 * Migrations from every earlier schema version: a database is built at version 0 (empty), 1, 2 and 3 with the
 * schema of its time (the migrations' own SQL up to that version) and rows as the code of that time wrote them
 * (positions, tickets with history, keys, audit rows; fills with the USD column names at v2), then opened by this
 * code: it migrates to the latest version, keeps every row and value, chains the audit rows it found, makes the
 * log append-only, renames the legs' money fields, and passes the full consistency check. A legacy ticket approved
 * before the upgrade is then filled "as ticketed" after it, with its fees and contract value intact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, checkStore, migrations, openStore, sha256Hex } from '../../src/service/store/index.js';
import type { SqliteDatabase } from '../../src/service/store/index.js';
import { holdingId } from '../../hedging/ledger.js';
import { v3Position } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LATEST = migrations[migrations.length - 1]!.version;
const T0 = Date.UTC(2026, 4, 26, 12);

/** A database at schema `version`, built with the migrations' own steps up to it. */
function databaseAt(version: number, name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  for (const m of migrations) {
    if (m.version > version) break;
    db.exec(m.sql);
    m.up?.(db);
    db.pragma(`user_version = ${m.version}`);
  }
  return db;
}

/** An audit row as the code before migration 4 wrote it (no hash columns). */
function audit(db: Database.Database, at: number, actor: string, action: string, target: string, detail?: unknown) {
  db.prepare('INSERT INTO audit_log (at_ms, actor, action, target, detail_json) VALUES (?, ?, ?, ?, ?)').run(
    at,
    actor,
    action,
    target,
    detail === undefined ? null : JSON.stringify(detail),
  );
}

/** Rows every version has: a position, an admin key, an executed ticket (no legs) with its history. */
function insertV1Rows(db: Database.Database): void {
  db.prepare('INSERT INTO positions (id, spec_json, version, created_at_ms, updated_at_ms) VALUES (?, ?, 1, ?, ?)').run(
    'p-1',
    JSON.stringify(v3Position),
    T0,
    T0,
  );
  audit(db, T0, 'system:seed', 'position.create', 'p-1', v3Position);
  db.prepare(
    `INSERT INTO api_keys (id, role, hash_sha256, label, created_at_ms, created_by) VALUES (?, 'admin', ?, 'old', ?, ?)`,
  ).run('abcdefghij', sha256Hex('ilh_abcdefghij_x'), T0, 'system:first-run');
  audit(db, T0, 'system:first-run', 'key.create', 'abcdefghij', { role: 'admin', label: 'old' });
  const content = { ticket: { price: 75_800, legs: [] }, note: 'v1' };
  db.prepare(
    `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by, created_at_ms,
       updated_at_ms) VALUES ('t-1', 'executed', 'dynamic', '["p-1"]', ?, ?, 'key:a', ?, ?)`,
  ).run(canonicalJson(content), sha256Hex(canonicalJson(content)), T0 + 1, T0 + 3);
  const history = db.prepare(
    'INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms) VALUES (?, ?, ?, ?, NULL, ?)',
  );
  history.run('t-1', null, 'proposed', 'key:a', T0 + 1);
  audit(db, T0 + 1, 'key:a', 'ticket.create', 't-1', { mode: 'dynamic' });
  history.run('t-1', 'proposed', 'approved', 'key:b', T0 + 2);
  audit(db, T0 + 2, 'key:b', 'ticket.approved', 't-1');
  history.run('t-1', 'approved', 'executed', 'key:b', T0 + 3);
  audit(db, T0 + 3, 'key:b', 'ticket.executed', 't-1');
}

/** A leg as the code of v2/v3 stored it (money fields with the USD suffix, before the rename). */
const legacyLeg = {
  venue: 'deribit',
  underlying: 'BTC',
  instrument: 'BTC-PERPETUAL',
  kind: 'perp',
  side: 'buy',
  contracts: 100,
  limitPrice: 75_000,
  feesUsd: 2,
  contractSize: null,
  contractValueUsd: 10,
  priceCurrency: 'USD',
};

/**
 * Ledger rows of v2 (or v3, with the renamed columns): an approved ticket with one leg and a partial fill, and a
 * hedge entered by hand.
 */
function insertLedgerRows(db: Database.Database, columns: { fee: string; value: string }): void {
  const content = { ticket: { price: 75_800 } };
  db.prepare(
    `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by, created_at_ms,
       updated_at_ms, expires_at_ms, request_json, legs_json, approval_json)
     VALUES ('t-2', 'partially-executed', 'dynamic', '["p-1"]', ?, ?, 'key:a', ?, ?, ?, '{}', ?, ?)`,
  ).run(
    canonicalJson(content),
    sha256Hex(canonicalJson(content)),
    T0 + 10,
    T0 + 12,
    T0 + 10 + 900_000,
    JSON.stringify([legacyLeg]),
    JSON.stringify({ ttlMinutes: 15, maxPriceMoveFraction: 0.005 }),
  );
  const history = db.prepare(
    'INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms) VALUES (?, ?, ?, ?, NULL, ?)',
  );
  history.run('t-2', null, 'proposed', 'key:a', T0 + 10);
  audit(db, T0 + 10, 'key:a', 'ticket.create', 't-2');
  history.run('t-2', 'proposed', 'approved', 'key:b', T0 + 11);
  audit(db, T0 + 11, 'key:b', 'ticket.approved', 't-2');
  const insertFill = db.prepare(
    `INSERT INTO fills (id, holding_id, at_ms, recorded_at_ms, venue, underlying, instrument, kind, contracts, price,
       ${columns.fee}, venue_order_id, ticket_id, leg_index, scope_json, source, actor, contract_size,
       ${columns.value}, price_currency)
     VALUES (?, ?, ?, ?, 'deribit', 'BTC', 'BTC-PERPETUAL', 'perp', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 10, 'USD')`,
  );
  insertFill.run(
    'f-1',
    holding(['p-1']),
    T0 + 12,
    T0 + 12,
    40,
    75_010,
    0.8,
    'o-1',
    't-2',
    0,
    '["p-1"]',
    'ticket',
    'key:b',
  );
  history.run('t-2', 'approved', 'partially-executed', 'key:b', T0 + 12);
  audit(db, T0 + 12, 'key:b', 'ticket.partially-executed', 't-2', {
    detail: { fills: [{ id: 'f-1', instrument: 'BTC-PERPETUAL', contracts: 40, price: 75_010 }], asTicketed: false },
  });
  insertFill.run('f-2', holding([]), T0 + 13, T0 + 13, -20, 75_100, 0.1, null, null, null, '[]', 'manual', 'key:c');
  audit(db, T0 + 13, 'key:c', 'holding.enter', holding([]), { fillId: 'f-2', instrument: 'BTC-PERPETUAL' });
}

function holding(scope: string[]): string {
  return holdingId('deribit', 'BTC-PERPETUAL', scope);
}

describe('migrations from every earlier schema version', () => {
  it('has consecutive versions starting at 1, the latest above 3', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(LATEST).toBeGreaterThanOrEqual(4);
  });

  for (const from of [0, 1, 2, 3]) {
    it(`migrates a version-${from} database with rows to version ${LATEST}, keeping every row and passing db check`, async () => {
      const name = `v${from}.sqlite`;
      const db = databaseAt(from, name);
      if (from >= 1) insertV1Rows(db);
      if (from === 2) insertLedgerRows(db, { fee: 'fee_usd', value: 'contract_value_usd' });
      if (from === 3) insertLedgerRows(db, { fee: 'fee_quote', value: 'contract_value_quote' });
      const auditRows = from === 0 ? 0 : (db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
      db.close();

      const store = await openStore(join(dir, name), () => T0 + 60_000);
      try {
        expect(await store.schemaVersion()).toBe(LATEST);
        const report = await checkStore(store);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.counts.audit).toBe(auditRows);
        // The rows found were chained: the chain verifies and every row has a hash.
        expect(await store.verifyAuditChain()).toMatchObject({ rows: auditRows, problems: [] });
        if (from === 0) {
          expect(report.counts).toEqual({ positions: 0, tickets: 0, fills: 0, holdings: 0, keys: 0, audit: 0 });
          return;
        }
        expect(await store.getPosition('p-1')).toMatchObject({ model: 'v3', lower: 70_000, version: 1 });
        const t1 = (await store.getTicket('t-1'))!;
        expect(t1.status).toBe('executed');
        expect(t1.history.map((h) => h.to)).toEqual(['proposed', 'approved', 'executed']);
        expect(t1.legs).toBeNull();
        expect((await store.listApiKeys())[0]).toMatchObject({ id: 'abcdefghij', role: 'admin', expiresAtMs: null });
        // Append-only from now on: the database itself refuses edits of the audit log and the ticket history.
        const raw = (store.db as SqliteDatabase).raw;
        expect(() => raw.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 1").run()).toThrow(/append-only/);
        expect(() => raw.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
        expect(() => raw.prepare('DELETE FROM ticket_status_history').run()).toThrow(/append-only/);
        if (from < 2) return;

        // Ledger rows of v2/v3: fees and contract values kept under the new names, the legs renamed too.
        const fills = await store.listFills();
        expect(fills.map((f) => [f.id, f.feeQuote, f.contractValueQuote])).toEqual([
          ['f-1', 0.8, 10],
          ['f-2', 0.1, 10],
        ]);
        const t2 = (await store.getTicket('t-2'))!;
        expect(t2.legs![0]).toMatchObject({ feesQuote: 2, contractValueQuote: 10, filledContracts: 40 });
        expect(t2.legs![0]).not.toHaveProperty('feesUsd');
        // The legacy ticket, filled "as ticketed" after the upgrade: the rest at the limit, fees pro-rated.
        const done = await store.recordTicketFills('t-2', null, 'key:b');
        expect(done.status).toBe('executed');
        expect(done.fills.at(-1)).toMatchObject({ contracts: 60, price: 75_000, contractValueQuote: 10 });
        expect(done.fills.at(-1)!.feeQuote).toBeCloseTo(1.2, 12);
        expect((await checkStore(store)).problems).toEqual([]);
      } finally {
        await store.close();
      }
    });
  }
});
