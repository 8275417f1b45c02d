/**
 * What goes wrong with the database, and what the service does about it:
 *
 * - SIGKILL at random points of every write path: a child process (`faults-writer.mjs`, on the built store) writes
 *   positions, tickets and their transitions, fills and holdings, and keys as fast as it can in a seeded random
 *   order and acknowledges each write after its commit; it is killed with SIGKILL at a seeded random moment, over
 *   several rounds on the same file. After each kill the store opens (WAL recovery), passes the full consistency
 *   check (`checkStore`: integrity, hash chain, ledger, audit) and holds every acknowledged write.
 * - A full disk (SQLite's `max_page_count` caps the file, no root needed): every write path is refused with 503
 *   `store-full`, a message naming the database and what was not written, and `Retry-After`; nothing half-written;
 *   reads go on; once space returns the same writes succeed.
 * - A locked database (a second connection holds the write lock; the service's busy timeout is short): writes are
 *   refused with 503 `store-busy`, reads go on, writes succeed once the lock is released.
 * - A corrupt database file: start-up refuses it with the reason (not SQLite at all; a damaged page), in process
 *   and from the real server binary.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreCorruptError, checkStore, openStore } from '../../src/service/store/index.js';
import type { SqliteDatabase, Store } from '../../src/service/store/index.js';
import { startTestService, v2Position } from './helpers.js';
import type { TestService } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const writerPath = fileURLToPath(new URL('./faults-writer.mjs', import.meta.url));
const builtStore = fileURLToPath(new URL('../../dist/src/service/store/index.js', import.meta.url));
const mainPath = fileURLToPath(new URL('../../dist/src/service/main.js', import.meta.url));

/** mulberry32, seeded: the kill points of a run are the same every time. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ack =
  | { op: 'ready' }
  | { op: 'position.create' | 'position.delete'; id: string }
  | { op: 'position.update'; id: string; version: number }
  | { op: 'ticket.create'; id: string; sha: string }
  | { op: 'ticket.transition'; id: string; to: string }
  | { op: 'ticket.fills'; id: string; to: string; fillIds: string[] }
  | { op: 'holding.fill'; holdingId: string; fillIds: string[] }
  | { op: 'key.create' | 'key.revoke'; id: string }
  | { op: 'key.rotate'; id: string; to: string };

/** Runs the writer until `killAfter` acknowledgements past `ready` (plus a random few ms), then SIGKILLs it. */
function killRound(db: string, seed: number, killAfter: number, extraMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerPath, db, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let ready = -1;
    let killing = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const ack = JSON.parse(line) as Ack;
        acks.push(ack);
        if (ack.op === 'ready') ready = acks.length;
      }
      if (!killing && ready >= 0 && acks.length - ready >= killAfter) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited ${code} ${signal}: ${stderr}`));
      // A line cut by the kill was never acknowledged as a whole: it does not count.
      else resolve(acks);
    });
  });
}

/** Every acknowledged write is in the store (later unacknowledged writes may have moved things further). */
async function expectAcknowledged(store: Store, acks: readonly Ack[]): Promise<void> {
  const positionRow = (store.db as SqliteDatabase).raw.prepare(
    'SELECT version, deleted_at_ms FROM positions WHERE id = ?',
  );
  const fillIds = new Set((await store.listFills()).map((f) => f.id));
  const keys = new Map((await store.listApiKeys()).map((k) => [k.id, k]));
  for (const ack of acks) {
    const what = JSON.stringify(ack);
    switch (ack.op) {
      case 'ready':
        break;
      case 'position.create':
        expect(positionRow.get(ack.id), what).toBeDefined();
        break;
      case 'position.update':
        expect((positionRow.get(ack.id) as { version: number }).version, what).toBeGreaterThanOrEqual(ack.version);
        break;
      case 'position.delete':
        expect((positionRow.get(ack.id) as { deleted_at_ms: number | null }).deleted_at_ms, what).not.toBeNull();
        break;
      case 'ticket.create': {
        const t = await store.getTicket(ack.id);
        expect(t?.contentSha256, what).toBe(ack.sha);
        break;
      }
      case 'ticket.transition':
      case 'ticket.fills': {
        const t = (await store.getTicket(ack.id))!;
        expect(
          t.history.some((h) => h.to === ack.to),
          what,
        ).toBe(true);
        if (ack.op === 'ticket.fills') for (const id of ack.fillIds) expect(fillIds.has(id), what).toBe(true);
        break;
      }
      case 'holding.fill':
        expect(ack.fillIds.length, what).toBe(1);
        for (const id of ack.fillIds) expect(fillIds.has(id), what).toBe(true);
        break;
      case 'key.create':
        expect(keys.has(ack.id), what).toBe(true);
        break;
      case 'key.rotate':
        expect(keys.get(ack.id)?.rotatedTo, what).toBe(ack.to);
        expect(keys.has(ack.to), what).toBe(true);
        break;
      case 'key.revoke':
        expect(keys.get(ack.id)?.revokedAtMs, what).not.toBeNull();
        break;
    }
  }
}

describe('SIGKILL at random points of every write path', () => {
  it('leaves a consistent store holding every acknowledged write, round after round', async () => {
    expect(existsSync(builtStore), `${builtStore} missing: run npm run build first`).toBe(true);
    const db = join(dir, 'killed.sqlite');
    const random = prng(20261203);
    const seen = new Set<string>();
    const all: Ack[] = [];
    for (let round = 0; round < 6; round++) {
      const acks = await killRound(db, 1000 + round, 20 + Math.floor(random() * 200), Math.floor(random() * 15));
      all.push(...acks);
      for (const a of acks) seen.add(a.op);
      const store = await openStore(db);
      try {
        const report = await checkStore(store);
        expect(report.problems, `round ${round}`).toEqual([]);
        expect(report.ok).toBe(true);
        await expectAcknowledged(store, all);
      } finally {
        await store.close();
      }
    }
    // Every write path was exercised (and killed around) at least once.
    expect([...seen].sort()).toEqual(
      [
        'holding.fill',
        'key.create',
        'key.revoke',
        'key.rotate',
        'position.create',
        'position.delete',
        'position.update',
        'ready',
        'ticket.create',
        'ticket.fills',
        'ticket.transition',
      ].sort(),
    );
  }, 120_000);
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

/** A JSON request that also returns the `Retry-After` header. */
function call(t: TestService, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (payload) headers['content-type'] = 'application/json';
    const req = http.request(t.url + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: retry, json: JSON.parse(text || 'null'), text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** One write of each path over HTTP (position, ticket, hedge entered by hand, key); returns the answers. */
async function writeEveryPath(t: TestService, n: number): Promise<Record<string, Answer>> {
  const { admin, trader } = t.keys;
  return {
    position: await call(t, 'POST', '/api/positions', admin, { ...v2Position, label: `fault ${n}` }),
    ticket: await call(t, 'POST', '/api/tickets', trader, { mode: 'dynamic' }),
    holding: await call(t, 'POST', '/api/holdings', trader, {
      venue: 'deribit',
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      contracts: 10,
      entryPrice: 75_000,
    }),
    key: await call(t, 'POST', '/api/keys', admin, { role: 'viewer', label: `fault ${n}` }),
  };
}

async function expectReadsGoOn(t: TestService): Promise<void> {
  for (const path of ['/api/positions', '/api/tickets', '/api/holdings', '/api/keys', '/api/audit?limit=5']) {
    const r = await t.call('GET', path);
    expect(r.status, `${path}: ${r.text}`).toBe(200);
  }
}

describe('a full disk', () => {
  it('refuses every write with 503 store-full and a clear message, serves reads, and recovers when space returns', async () => {
    const path = join(dir, 'full.sqlite');
    const t = await startTestService({ dbPath: path });
    try {
      const before = await writeEveryPath(t, 0);
      for (const [name, r] of Object.entries(before)) expect(r.status, `${name}: ${r.text}`).toBe(201);
      // The disk "fills": the file may not grow by one more page.
      const db = (t.handle.store.db as SqliteDatabase).raw;
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      let refused: Record<string, Answer> | null = null;
      const counts = async () => (await checkStore(t.handle.store)).counts;
      for (let i = 1; i <= 200 && !refused; i++) {
        const attempt = await writeEveryPath(t, i);
        if (Object.values(attempt).every((r) => r.status === 503)) refused = attempt;
      }
      expect(refused, 'the capped database never filled').not.toBeNull();
      const counted = await counts();
      for (const [name, r] of Object.entries(refused!)) {
        expect(r.json.error, name).toBe('store-full');
        expect(r.json.message, name).toMatch(
          new RegExp(`database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full: .+ was not written`),
        );
        expect(r.json.message, name).toMatch(/free space and retry/);
      }
      // Told when to retry.
      expect(Object.values(refused!).map((r) => r.retryAfter)).toEqual(['30', '30', '30', '30']);
      await expectReadsGoOn(t);
      // Nothing half-written: refused again, the writes leave no row and no audit entry, and the store is consistent.
      const again = await writeEveryPath(t, 500);
      expect(Object.values(again).map((r) => r.status)).toEqual([503, 503, 503, 503]);
      expect(await counts()).toEqual(counted);
      expect((await checkStore(t.handle.store)).problems).toEqual([]);

      db.pragma('max_page_count = 1073741823');
      const after = await writeEveryPath(t, 1000);
      for (const [name, r] of Object.entries(after)) expect(r.status, `${name}: ${r.text}`).toBe(201);
      expect((await checkStore(t.handle.store)).problems).toEqual([]);
    } finally {
      await t.handle.close();
    }
  }, 60_000);
});

describe('a locked database', () => {
  it('refuses writes with 503 store-busy while another connection holds the write lock, serves reads, then writes', async () => {
    const path = join(dir, 'locked.sqlite');
    const t = await startTestService({ dbPath: path });
    const other = new Database(path);
    try {
      (t.handle.store.db as SqliteDatabase).raw.pragma('busy_timeout = 100');
      other.exec('BEGIN IMMEDIATE');
      other
        .prepare("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES ('x', '{}', 0, 0)")
        .run();
      const started = Date.now();
      const refused = await writeEveryPath(t, 1);
      for (const [name, r] of Object.entries(refused)) {
        expect(r.status, `${name}: ${r.text}`).toBe(503);
        expect(r.json.error, name).toBe('store-busy');
        expect(r.json.message, name).toMatch(/is locked by another connection: .+ was not written .*; retry/);
        expect(r.retryAfter, name).toBe('1');
      }
      // Each write waited for the busy timeout, not for ever.
      expect(Date.now() - started).toBeLessThan(10_000);
      await expectReadsGoOn(t);
      other.exec('ROLLBACK');
      const after = await writeEveryPath(t, 2);
      for (const [name, r] of Object.entries(after)) expect(r.status, `${name}: ${r.text}`).toBe(201);
      expect((await checkStore(t.handle.store)).problems).toEqual([]);
    } finally {
      other.close();
      await t.handle.close();
    }
  }, 60_000);
});

describe('a corrupt database file', () => {
  /** A real database with rows whose page 4 (a b-tree page) is overwritten with garbage. */
  async function damagedPage(path: string): Promise<void> {
    const store = await openStore(path);
    for (let i = 0; i < 50; i++) await store.createPosition({ ...v2Position, label: `p${i}`.repeat(40) }, 'test');
    const pageSize = (store.db as SqliteDatabase).raw.pragma('page_size', { simple: true }) as number;
    await store.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, 3 * pageSize);
    closeSync(fd);
  }

  it('refuses at start-up with the reason: not a database, or a damaged page', async () => {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database '.repeat(500));
    await expect(openStore(junk)).rejects.toThrow(StoreCorruptError);
    await expect(openStore(junk)).rejects.toThrow(
      /database .*junk\.sqlite is not a readable ilhedge database \(file is not a database/,
    );
    await expect(startTestService({ dbPath: junk })).rejects.toThrow(/not a readable ilhedge database/);
    // The file is left as it was for whoever investigates.
    expect(readFileSync(junk, 'utf8')).toBe('not a database '.repeat(500));

    const damaged = join(dir, 'damaged.sqlite');
    await damagedPage(damaged);
    await expect(openStore(damaged)).rejects.toThrow(StoreCorruptError);
    await expect(openStore(damaged)).rejects.toThrow(
      /damaged.sqlite (is damaged \(PRAGMA quick_check|is not a readable)/,
    );
  });

  it('the real server refuses to start on it, naming the file and the reason', async () => {
    expect(existsSync(mainPath), `${mainPath} missing: run npm run build first`).toBe(true);
    const damaged = join(dir, 'damaged-main.sqlite');
    await damagedPage(damaged);
    const run = spawnSync(process.execPath, [mainPath, '--port', '0', '--db', damaged], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ILHEDGE_LOG_LEVEL: 'silent' },
    });
    expect(run.status, run.stderr).not.toBe(0);
    expect(run.stderr).toMatch(/StoreCorruptError/);
    expect(run.stderr).toMatch(/damaged-main\.sqlite (is damaged|is not a readable)/);
    expect(run.stderr).toMatch(/ilhedge db restore/);
  }, 60_000);
});
