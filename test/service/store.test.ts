import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FourEyesError,
  HoldingFlatError,
  Store,
  StoreBusyError,
  StoreFullError,
  storeErrorOf,
  TicketExpiredError,
  TransitionError,
  canonicalJson,
  migrations,
  openStore,
  parseApiKey,
} from '../../src/service/store/index.js';
import type { SqliteDatabase } from '../../src/service/store/index.js';
import type { StoreError, StoredTicketLeg } from '../../src/service/store/index.js';
import { v3Position } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store', () => {
  it('migrates a new file to the latest version in WAL mode with synchronous=FULL, and reopens idempotently', async () => {
    const path = join(dir, 'a.sqlite');
    const store = await openStore(path);
    expect(await store.schemaVersion()).toBe(migrations[migrations.length - 1]!.version);
    const raw = (store.db as SqliteDatabase).raw;
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL
    expect(raw.pragma('synchronous', { simple: true })).toBe(2);
    await store.createPosition(v3Position, 'test');
    await store.close();
    const again = await openStore(path);
    expect(await again.listPositions()).toHaveLength(1);
    await again.close();
  });

  it('refuses a database from a newer ilhedge', async () => {
    const path = join(dir, 'future.sqlite');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    await expect(openStore(path)).rejects.toThrow(/newer than this ilhedge/);
  });

  it('stores only a hash of each API key, never the key', async () => {
    const path = join(dir, 'keys.sqlite');
    const store = await openStore(path);
    const { key, record } = await store.createApiKey('trader', 'test', 'desk');
    expect(parseApiKey(key)?.id).toBe(record.id);
    expect((await store.verifyApiKey(key))?.role).toBe('trader');
    // One character off is a different key.
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(await store.verifyApiKey(key.slice(0, -1) + last)).toBeNull();
    await store.close();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    // The secret is everything after `ilh_<id>_`; it is base64url, so it may itself contain underscores.
    const secret = /^ilh_[a-z0-9]{10}_(.+)$/.exec(key)![1]!;
    expect(secret).toHaveLength(43);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });

  it('enforces ticket transitions atomically with history and audit', async () => {
    const store = await openStore(await testStoreLocation('store'));
    const t = await store.createTicket({
      mode: 'dynamic',
      positionIds: ['p'],
      content: { b: 1, a: [1, 2] },
      actor: 'key:one',
    });
    expect(Store.verifyTicket(t)).toBe(true);
    await expect(store.recordTicketFills(t.id, null, 'key:two')).rejects.toThrow(TransitionError);
    await store.approveTicket(t.id, 'key:two', { fourEyes: true, note: 'fine' });
    // A ticket without legs takes no fills and is executed by an empty call.
    const done = await store.recordTicketFills(t.id, null, 'key:three');
    expect(done.history.map((h) => `${h.from}->${h.to}@${h.actor}`)).toEqual([
      'null->proposed@key:one',
      'proposed->approved@key:two',
      'approved->executed@key:three',
    ]);
    const actions = (await store.listAudit()).map((a) => a.action);
    expect(actions.slice(0, 3)).toEqual(['ticket.executed', 'ticket.approved', 'ticket.create']);
    // A tampered row no longer verifies.
    await store.db.run('UPDATE tickets SET content_json = ? WHERE id = ?', ['{"a":[1,2],"b":2}', t.id]);
    expect(Store.verifyTicket((await store.getTicket(t.id))!)).toBe(false);
    await store.close();
  });

  it('checksums canonical JSON, independent of key order', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { e: 1, f: 2 }] }, b: 1 }),
    );
  });

  it('refuses the proposer under four-eyes, and any approval past the TTL even before the sweep', async () => {
    let now = 1_000_000;
    const store = await openStore(await testStoreLocation('store'), () => now);
    const t = await store.createTicket({ ...ticketInput, expiresAtMs: now + 60_000 });
    await expect(store.approveTicket(t.id, 'key:one', { fourEyes: true })).rejects.toThrow(FourEyesError);
    await expect(store.approveTicket(t.id, 'key:one', { fourEyes: true })).rejects.toThrow(
      'ticket ' + t.id + ' was proposed by key one; a different key must approve it',
    );
    now += 60_000;
    await expect(store.approveTicket(t.id, 'key:two', { fourEyes: true })).rejects.toThrow(TicketExpiredError);
    await expect(store.transitionTicket(t.id, 'rejected', 'key:two')).rejects.toThrow(TicketExpiredError);
    expect((await store.getTicket(t.id))!.status).toBe('proposed');
    const fresh = await store.createTicket({ ...ticketInput, expiresAtMs: now + 60_000 });
    expect(await store.expireTickets(now)).toEqual([t.id]);
    const expired = (await store.getTicket(t.id))!;
    expect(expired.status).toBe('expired');
    expect(expired.history.at(-1)).toMatchObject({ from: 'proposed', to: 'expired', actor: 'system:expiry' });
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'ticket.expired', target: t.id });
    expect((await store.getTicket(fresh.id))!.status).toBe('proposed');
    // Four-eyes off (per desk config): the proposer may approve.
    expect((await store.approveTicket(fresh.id, 'key:one', { fourEyes: false })).status).toBe('approved');
    await store.close();
  });

  it('records partial then completing fills with the status change, history and audit in one transaction', async () => {
    const store = await openStore(await testStoreLocation('store'));
    const t = await store.createTicket({ ...ticketInput, positionIds: ['p2', 'p1'], legs });
    await store.approveTicket(t.id, 'key:two', { fourEyes: true });
    const partial = await store.recordTicketFills(
      t.id,
      [{ instrument: 'BTC-PERPETUAL', contracts: -100, price: 75_000, feeQuote: 0.1, venueOrderId: 'o-1' }],
      'key:three',
    );
    expect(partial.status).toBe('partially-executed');
    expect(partial.fills).toHaveLength(1);
    expect(partial.fills[0]).toMatchObject({
      ticketId: t.id,
      legIndex: 1,
      scope: ['p1', 'p2'],
      source: 'ticket',
      contractValueQuote: 10,
      contractSize: null,
      priceCurrency: 'USD',
      venueOrderId: 'o-1',
    });
    expect(partial.legs!.map((l) => l.remainingContracts)).toEqual([2.5, 150]);
    // No body: the rest at the limit prices, fees pro-rated from the legs' estimates.
    const done = await store.recordTicketFills(t.id, null, 'key:three');
    expect(done.status).toBe('executed');
    expect(done.fills.map((f) => [f.instrument, f.contracts, f.price])).toEqual([
      ['BTC-PERPETUAL', -100, 75_000],
      ['BTC-26JUN26-70000-P', 2.5, 0.0125],
      ['BTC-PERPETUAL', -150, 74_990],
    ]);
    expect(done.fills[1]!.feeQuote).toBeCloseTo(3, 12);
    expect(done.history.map((h) => h.to)).toEqual(['proposed', 'approved', 'partially-executed', 'executed']);
    expect((await store.listAudit(2)).map((a) => a.action)).toEqual(['ticket.executed', 'ticket.partially-executed']);
    await expect(store.recordTicketFills(t.id, null, 'key:three')).rejects.toThrow(TransitionError);
    const holdings = await store.listHoldings();
    expect(holdings.map((h) => [h.instrument, h.netContracts, h.scope])).toEqual([
      ['BTC-26JUN26-70000-P', 2.5, ['p1', 'p2']],
      ['BTC-PERPETUAL', -250, ['p1', 'p2']],
    ]);
    await store.close();
  });

  it('leaves no fill and no status change behind when one fill of a batch is refused', async () => {
    const store = await openStore(await testStoreLocation('store'));
    const t = await store.createTicket({ ...ticketInput, legs });
    await store.approveTicket(t.id, 'key:two', { fourEyes: true });
    const auditBefore = (await store.listAudit()).length;
    await expect(
      store.recordTicketFills(
        t.id,
        [
          { instrument: 'BTC-26JUN26-70000-P', contracts: 1, price: 0.0125 },
          { instrument: 'BTC-26JUN26-70000-P', contracts: 2, price: 0.0125 },
        ],
        'key:three',
        { path: 'body.fills' },
      ),
    ).rejects.toThrow(/^body\.fills\[1\]\.contracts: exceeds what is left/);
    // One good fill, then a batch whose second insert fails inside SQLite: the first insert is rolled back too.
    await expect(
      store.recordTicketFills(t.id, [{ instrument: 'BTC-PERPETUAL', contracts: -1, price: 75_000 }], 'k', {}),
    ).resolves.not.toThrow();
    const mid = (await store.getTicket(t.id))!;
    expect(mid.status).toBe('partially-executed');
    // The database fails the second fill's insert (a fill of leg 0) half-way through the batch.
    if (store.dialect === 'sqlite') {
      (store.db as SqliteDatabase).raw.exec(`CREATE TEMP TRIGGER fail_second BEFORE INSERT ON fills
        WHEN NEW.leg_index = 0 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    } else {
      await store.db.run(`CREATE FUNCTION fail_second() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.leg_index = 0 THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$`);
      await store.db.run(
        'CREATE TRIGGER fail_second BEFORE INSERT ON fills FOR EACH ROW EXECUTE FUNCTION fail_second()',
      );
    }
    await expect(
      store.recordTicketFills(
        t.id,
        [
          { instrument: 'BTC-PERPETUAL', contracts: -1, price: 75_000 },
          { instrument: 'BTC-26JUN26-70000-P', contracts: 1, price: 0.0125 },
        ],
        'key:three',
      ),
    ).rejects.toThrow(/disk on fire/);
    const after = (await store.getTicket(t.id))!;
    expect(after.status).toBe('partially-executed');
    expect(after.fills).toHaveLength(1);
    expect(after.history).toHaveLength(mid.history.length);
    expect((await store.listAudit()).length).toBe(auditBefore + 1);
    await store.close();
  });

  it('keeps fills append-only: UPDATE and DELETE are refused by the database', async () => {
    const store = await openStore(await testStoreLocation('store'));
    const h = await store.addManualHolding(manual, 'key:one');
    await expect(store.db.run('UPDATE fills SET contracts = 99')).rejects.toThrow(/append-only/);
    await expect(store.db.run('DELETE FROM fills')).rejects.toThrow(/append-only/);
    expect((await store.getHolding(h.id))!.netContracts).toBe(1.5);
    await store.close();
  });

  it('enters a hedge by hand and closes it with a close fill and realised P&L', async () => {
    const store = await openStore(await testStoreLocation('store'));
    const entered = await store.addManualHolding(manual, 'key:one');
    expect(entered).toMatchObject({ netContracts: 1.5, averagePrice: 0.0123, feesQuote: 1, scope: [] });
    const again = await store.addManualHolding({ ...manual, contracts: 0.5, price: 0.0163 }, 'key:one');
    expect(again.id).toBe(entered.id);
    expect(again.averagePrice).toBeCloseTo((1.5 * 0.0123 + 0.5 * 0.0163) / 2, 12);
    // Other terms for the same instrument would mix two instruments: refused, nothing written.
    await expect(store.addManualHolding({ ...manual, contractSize: 0.1 }, 'key:one')).rejects.toThrow(/contractSize/);
    expect(await store.listFills()).toHaveLength(2);
    const closed = await store.closeHolding(entered.id, { price: 0.02, feeQuote: 0.25 }, 'key:two');
    expect(closed.netContracts).toBe(0);
    expect(closed.realisedPnl).toBeCloseTo(2 * (0.02 - again.averagePrice!), 12);
    expect(closed.realisedPnlCurrency).toBe('BTC');
    expect(closed.fills.at(-1)).toMatchObject({ source: 'close', contracts: -2, actor: 'key:two' });
    await expect(store.closeHolding(entered.id, { price: 0.02 }, 'key:two')).rejects.toThrow(HoldingFlatError);
    await expect(store.closeHolding('h-nope', { price: 0.02 }, 'key:two')).rejects.toThrow(/holding h-nope not found/);
    expect((await store.listAudit(2)).map((a) => a.action)).toEqual(['holding.close', 'holding.enter']);
    await store.close();
  });

  it('migrates a version-1 database file with rows: tickets keep their content, statuses and history', async () => {
    const path = join(dir, 'v1.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(migrations[0]!.sql);
    db.pragma('user_version = 1');
    const content = { positions: [{ legs: [{ instrument: 'BTC-PERPETUAL' }] }] };
    const contentJson = canonicalJson(content);
    const sha = createHash('sha256').update(contentJson).digest('hex');
    const insert = db.prepare(
      `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
         created_at_ms, updated_at_ms) VALUES (?, ?, 'dynamic', '["p"]', ?, ?, 'key:old', 1, 2)`,
    );
    for (const [id, status] of [
      ['t-approved', 'approved'],
      ['t-executed', 'executed'],
      ['t-proposed', 'proposed'],
    ] as const) {
      insert.run(id, status, contentJson, sha);
      db.prepare(
        `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
         VALUES (?, NULL, 'proposed', 'key:old', NULL, 1)`,
      ).run(id);
    }
    db.prepare("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES ('p', '{}', 1, 1)").run();
    db.close();

    const store = await openStore(path);
    expect(await store.schemaVersion()).toBe(migrations[migrations.length - 1]!.version);
    const raw = (store.db as SqliteDatabase).raw;
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(raw.pragma('foreign_key_check')).toEqual([]);
    const old = (await store.getTicket('t-approved'))!;
    expect(old).toMatchObject({ status: 'approved', expiresAtMs: null, request: null, legs: null, fills: [] });
    expect(Store.verifyTicket(old)).toBe(true);
    expect(old.content).toEqual(content);
    expect(old.history).toHaveLength(1);
    // An old approved ticket (no legs) is still executable, without fills, as before the ledger.
    expect((await store.recordTicketFills('t-approved', null, 'key:new')).status).toBe('executed');
    // The new CHECK takes the new statuses; the history's foreign key still points at the rebuilt table.
    expect(await store.expireTickets(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect((await store.approveTicket('t-proposed', 'key:new', { fourEyes: true })).status).toBe('approved');
    expect(() =>
      raw
        .prepare("INSERT INTO ticket_status_history (ticket_id, to_status, actor, at_ms) VALUES ('ghost', 'x', 'a', 1)")
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(await store.listPositions()).toHaveLength(1);
    await store.close();
  });

  it('chains every audit row to the one before (sha256 of the previous hash and the row) and keeps the log append-only', async () => {
    let now = 1_000;
    const store = await openStore(await testStoreLocation('store'), () => now++);
    const p = await store.createPosition(v3Position, 'key:one');
    await store.updatePosition(p.id, { ...v3Position, depositValue: 2 }, 'key:one');
    await store.createApiKey('viewer', 'key:one');
    const rows = await store.db.all<{
      id: number;
      at_ms: number;
      actor: string;
      action: string;
      target: string | null;
      detail_json: string | null;
      prev_hash: string;
      row_hash: string;
    }>('SELECT * FROM audit_log ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    let prev = '0'.repeat(64);
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      const fields = JSON.stringify([r.id, r.at_ms, r.actor, r.action, r.target, r.detail_json]);
      expect(r.row_hash).toBe(createHash('sha256').update(`${prev}\n${fields}`).digest('hex'));
      prev = r.row_hash;
    }
    expect(await store.verifyAuditChain()).toEqual({ rows: 3, headHash: prev, highestIssuedId: 3, problems: [] });
    expect((await store.listAudit(1))[0]!.rowHash).toBe(prev);
    await expect(store.db.run('UPDATE audit_log SET detail_json = NULL')).rejects.toThrow(/append-only/);
    await expect(store.db.run('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await store.close();
  });

  it('turns database failures into coded 503s naming the file and the write, and leaves other errors alone', async () => {
    const sqlite = (code: string) => Object.assign(new Error('boom'), { code });
    const full = storeErrorOf(sqlite('SQLITE_FULL'), '/d/x.sqlite', 'ticket create') as StoreError;
    expect(full).toBeInstanceOf(StoreFullError);
    expect(full).toMatchObject({ code: 'store-full', httpStatus: 503, retryAfterS: 30 });
    expect(full.message).toBe(
      'database /d/x.sqlite is full: ticket create was not written (boom (SQLITE_FULL)); reads go on; free space and retry',
    );
    expect(storeErrorOf(sqlite('SQLITE_BUSY_SNAPSHOT'), 'x', 'w')).toBeInstanceOf(StoreBusyError);
    expect(storeErrorOf(sqlite('SQLITE_CORRUPT'), 'x', 'w')).toMatchObject({ code: 'store-corrupt' });
    expect(storeErrorOf(sqlite('SQLITE_IOERR_WRITE'), 'x', 'w')).toMatchObject({ code: 'store-unavailable' });
    const constraint = sqlite('SQLITE_CONSTRAINT_TRIGGER');
    expect(storeErrorOf(constraint, 'x', 'w')).toBe(constraint);
    const conflict = new TransitionError('t', 'rejected', 'approved');
    expect(storeErrorOf(conflict, 'x', 'w')).toBe(conflict);
  });
});

const ticketInput = { mode: 'dynamic', positionIds: ['p'], content: { ticket: { price: 75_000 } }, actor: 'key:one' };

const legs: StoredTicketLeg[] = [
  {
    venue: 'deribit',
    underlying: 'BTC',
    instrument: 'BTC-26JUN26-70000-P',
    kind: 'option',
    side: 'buy',
    contracts: 2.5,
    limitPrice: 0.0125,
    feesQuote: 3,
    contractSize: 1,
    contractValueQuote: null,
    priceCurrency: 'BTC',
  },
  {
    venue: 'deribit',
    underlying: 'BTC',
    instrument: 'BTC-PERPETUAL',
    kind: 'perp',
    side: 'sell',
    contracts: 250,
    limitPrice: 74_990,
    feesQuote: 0,
    contractSize: null,
    contractValueQuote: 10,
    priceCurrency: 'USD',
  },
];

const manual = {
  venue: 'deribit' as const,
  underlying: 'BTC',
  instrument: 'BTC-26JUN26-70000-P',
  kind: 'option' as const,
  contracts: 1.5,
  price: 0.0123,
  feeQuote: 1,
  contractSize: 1,
  contractValueQuote: null,
  priceCurrency: 'BTC',
};
