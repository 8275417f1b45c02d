import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Store,
  TransitionError,
  canonicalJson,
  migrations,
  openStore,
  parseApiKey,
} from '../../src/service/store/index.js';
import { v3Position } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store', () => {
  it('migrates a new file to the latest version in WAL mode with synchronous=FULL, and reopens idempotently', () => {
    const path = join(dir, 'a.sqlite');
    const store = openStore(path);
    expect(store.schemaVersion).toBe(migrations[migrations.length - 1]!.version);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    store.createPosition(v3Position, 'test');
    store.close();
    const again = openStore(path);
    expect(again.listPositions()).toHaveLength(1);
    again.close();
  });

  it('refuses a database from a newer ilhedge', () => {
    const path = join(dir, 'future.sqlite');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openStore(path)).toThrow(/newer than this ilhedge/);
  });

  it('stores only a hash of each API key, never the key', () => {
    const path = join(dir, 'keys.sqlite');
    const store = openStore(path);
    const { key, record } = store.createApiKey('trader', 'test', 'desk');
    expect(parseApiKey(key)?.id).toBe(record.id);
    expect(store.verifyApiKey(key)?.role).toBe('trader');
    // One character off is a different key.
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(store.verifyApiKey(key.slice(0, -1) + last)).toBeNull();
    store.close();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    // The secret is everything after `ilh_<id>_`; it is base64url, so it may itself contain underscores.
    const secret = /^ilh_[a-z0-9]{10}_(.+)$/.exec(key)![1]!;
    expect(secret).toHaveLength(43);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });

  it('enforces ticket transitions atomically with history and audit', () => {
    const store = openStore(':memory:');
    const t = store.createTicket({
      mode: 'dynamic',
      positionIds: ['p'],
      content: { b: 1, a: [1, 2] },
      actor: 'key:one',
    });
    expect(Store.verifyTicket(t)).toBe(true);
    expect(() => store.transitionTicket(t.id, 'executed', 'key:two')).toThrow(TransitionError);
    store.transitionTicket(t.id, 'approved', 'key:two', 'fine');
    const done = store.transitionTicket(t.id, 'executed', 'key:three');
    expect(done.history.map((h) => `${h.from}->${h.to}@${h.actor}`)).toEqual([
      'null->proposed@key:one',
      'proposed->approved@key:two',
      'approved->executed@key:three',
    ]);
    const actions = store.listAudit().map((a) => a.action);
    expect(actions.slice(0, 3)).toEqual(['ticket.executed', 'ticket.approved', 'ticket.create']);
    // A tampered row no longer verifies.
    store.db.prepare('UPDATE tickets SET content_json = ? WHERE id = ?').run('{"a":[1,2],"b":2}', t.id);
    expect(Store.verifyTicket(store.getTicket(t.id)!)).toBe(false);
    store.close();
  });

  it('checksums canonical JSON, independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { e: 1, f: 2 }] }, b: 1 }),
    );
  });
});
