/**
 * The desk's durable state in SQLite (better-sqlite3): positions, tickets with their full content and status
 * history, hashed API keys and an audit log. WAL journal with `synchronous=FULL`: a write returns only after the
 * WAL is fsynced, so anything the API has acknowledged survives SIGKILL or power loss.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import type { PositionSpec, StoredPosition } from '../types.js';

export const ROLES = ['viewer', 'trader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TICKET_STATUSES = ['proposed', 'approved', 'rejected', 'executed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Enforced ticket transitions: anything else is a conflict. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  proposed: ['approved', 'rejected'],
  approved: ['executed'],
  rejected: [],
  executed: [],
};

export interface TicketHistoryEntry {
  from: TicketStatus | null;
  to: TicketStatus;
  actor: string;
  note: string | null;
  atMs: number;
}

export interface StoredTicket {
  id: string;
  status: TicketStatus;
  mode: string;
  positionIds: string[];
  content: Record<string, unknown>;
  contentSha256: string;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  history: TicketHistoryEntry[];
}

export interface ApiKeyRecord {
  id: string;
  role: Role;
  label: string | null;
  createdAtMs: number;
  createdBy: string;
  revokedAtMs: number | null;
}

export interface AuditEntry {
  id: number;
  atMs: number;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export class TransitionError extends Error {
  override name = 'TransitionError';
  constructor(
    readonly ticketId: string,
    readonly from: TicketStatus,
    readonly to: TicketStatus,
  ) {
    super(`ticket ${ticketId} is ${from}; cannot move to ${to}`);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
  }
}

export const KEY_PREFIX = 'ilh';

/** A key is `ilh_<id>_<secret>`: the id is a short non-secret handle stored in clear, the whole key only hashed. */
export function parseApiKey(key: string): { id: string } | null {
  const match = /^ilh_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { id: match[1]! } : null;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Canonical JSON (sorted keys) so a ticket's checksum is independent of key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface StoreOptions {
  /** `:memory:` for tests that need no file. */
  path: string;
  now?: () => number;
}

interface TicketRow {
  id: string;
  status: TicketStatus;
  mode: string;
  position_ids_json: string;
  content_json: string;
  content_sha256: string;
  created_by: string;
  created_at_ms: number;
  updated_at_ms: number;
}

interface PositionRow {
  id: string;
  spec_json: string;
  version: number;
  created_at_ms: number;
  updated_at_ms: number;
}

export class Store {
  readonly db: Database.Database;
  readonly path: string;
  private readonly now: () => number;
  private closed = false;

  constructor(options: StoreOptions) {
    this.path = options.path;
    this.now = options.now ?? Date.now;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives a crash of the OS too.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Folding the WAL back keeps the database a single file for backups; harmless if another reader holds it.
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* a checkpoint is an optimisation, not a durability step */
    }
    this.db.close();
  }

  // ---- audit ----

  audit(actor: string, action: string, target: string | null, detail?: unknown): void {
    this.db
      .prepare('INSERT INTO audit_log (at_ms, actor, action, target, detail_json) VALUES (?, ?, ?, ?, ?)')
      .run(this.now(), actor, action, target, detail === undefined ? null : JSON.stringify(detail));
  }

  listAudit(limit = 100, sinceId = 0): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id DESC LIMIT ?')
      .all(sinceId, limit) as {
      id: number;
      at_ms: number;
      actor: string;
      action: string;
      target: string | null;
      detail_json: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      atMs: r.at_ms,
      actor: r.actor,
      action: r.action,
      target: r.target,
      detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as unknown),
    }));
  }

  // ---- API keys ----

  /** Creates a key and returns it in clear exactly once; only its SHA-256 is stored (the key has 256 random bits). */
  createApiKey(role: Role, actor: string, label?: string): { key: string; record: ApiKeyRecord } {
    const id = randomBytes(8).toString('hex').slice(0, 10);
    const secret = randomBytes(32).toString('base64url');
    const key = `${KEY_PREFIX}_${id}_${secret}`;
    const at = this.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO api_keys (id, role, hash_sha256, label, created_at_ms, created_by) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, role, sha256Hex(key), label ?? null, at, actor);
      this.audit(actor, 'key.create', id, { role, label: label ?? null });
    })();
    return { key, record: { id, role, label: label ?? null, createdAtMs: at, createdBy: actor, revokedAtMs: null } };
  }

  /** The record of a valid, unrevoked key, or null. Constant-time comparison of the hashes. */
  verifyApiKey(key: string): ApiKeyRecord | null {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(parsed.id) as
      | {
          id: string;
          role: Role;
          hash_sha256: string;
          label: string | null;
          created_at_ms: number;
          created_by: string;
          revoked_at_ms: number | null;
        }
      | undefined;
    if (!row || row.revoked_at_ms !== null) return null;
    const expected = Buffer.from(row.hash_sha256, 'hex');
    const actual = createHash('sha256').update(key, 'utf8').digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    return {
      id: row.id,
      role: row.role,
      label: row.label,
      createdAtMs: row.created_at_ms,
      createdBy: row.created_by,
      revokedAtMs: null,
    };
  }

  listApiKeys(): ApiKeyRecord[] {
    const rows = this.db.prepare('SELECT * FROM api_keys ORDER BY created_at_ms').all() as {
      id: string;
      role: Role;
      label: string | null;
      created_at_ms: number;
      created_by: string;
      revoked_at_ms: number | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      label: r.label,
      createdAtMs: r.created_at_ms,
      createdBy: r.created_by,
      revokedAtMs: r.revoked_at_ms,
    }));
  }

  countActiveKeys(role?: Role): number {
    const row = (
      role
        ? this.db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at_ms IS NULL AND role = ?').get(role)
        : this.db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at_ms IS NULL').get()
    ) as { n: number };
    return row.n;
  }

  revokeApiKey(id: string, actor: string): boolean {
    return this.db.transaction(() => {
      const result = this.db
        .prepare('UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL')
        .run(this.now(), id);
      if (result.changes > 0) this.audit(actor, 'key.revoke', id);
      return result.changes > 0;
    })();
  }

  // ---- positions ----

  private toPosition(row: PositionRow): StoredPosition {
    const spec = JSON.parse(row.spec_json) as PositionSpec;
    return {
      ...spec,
      id: row.id,
      version: row.version,
      createdAtMs: row.created_at_ms,
      updatedAtMs: row.updated_at_ms,
    };
  }

  createPosition(spec: PositionSpec, actor: string, id: string = randomUUID()): StoredPosition {
    const at = this.now();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO positions (id, spec_json, version, created_at_ms, updated_at_ms) VALUES (?, ?, 1, ?, ?)')
        .run(id, JSON.stringify(spec), at, at);
      this.audit(actor, 'position.create', id, spec);
    })();
    return { ...spec, id, version: 1, createdAtMs: at, updatedAtMs: at };
  }

  getPosition(id: string): StoredPosition | null {
    const row = this.db.prepare('SELECT * FROM positions WHERE id = ? AND deleted_at_ms IS NULL').get(id) as
      PositionRow | undefined;
    return row ? this.toPosition(row) : null;
  }

  listPositions(): StoredPosition[] {
    const rows = this.db
      .prepare('SELECT * FROM positions WHERE deleted_at_ms IS NULL ORDER BY created_at_ms, id')
      .all() as PositionRow[];
    return rows.map((r) => this.toPosition(r));
  }

  countPositionsEver(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM positions').get() as { n: number }).n;
  }

  updatePosition(id: string, spec: PositionSpec, actor: string): StoredPosition {
    return this.db.transaction(() => {
      const at = this.now();
      const result = this.db
        .prepare(
          'UPDATE positions SET spec_json = ?, version = version + 1, updated_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL',
        )
        .run(JSON.stringify(spec), at, id);
      if (result.changes === 0) throw new NotFoundError('position', id);
      this.audit(actor, 'position.update', id, spec);
      return this.getPosition(id)!;
    })();
  }

  /** Soft delete: tickets keep referring to the position they were made for. */
  deletePosition(id: string, actor: string): void {
    this.db.transaction(() => {
      const result = this.db
        .prepare('UPDATE positions SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL')
        .run(this.now(), id);
      if (result.changes === 0) throw new NotFoundError('position', id);
      this.audit(actor, 'position.delete', id);
    })();
  }

  // ---- tickets ----

  /** Inserts a ticket (status `proposed`) and its first history entry; returns once durable. */
  createTicket(input: {
    mode: string;
    positionIds: string[];
    content: Record<string, unknown>;
    actor: string;
    id?: string;
  }): StoredTicket {
    const id = input.id ?? randomUUID();
    const at = this.now();
    const contentJson = canonicalJson(input.content);
    const sha = sha256Hex(contentJson);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
             created_at_ms, updated_at_ms) VALUES (?, 'proposed', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.mode, JSON.stringify(input.positionIds), contentJson, sha, input.actor, at, at);
      this.db
        .prepare(
          `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
           VALUES (?, NULL, 'proposed', ?, NULL, ?)`,
        )
        .run(id, input.actor, at);
      this.audit(input.actor, 'ticket.create', id, { mode: input.mode, positionIds: input.positionIds, sha256: sha });
    })();
    return this.getTicket(id)!;
  }

  private history(id: string): TicketHistoryEntry[] {
    const rows = this.db.prepare('SELECT * FROM ticket_status_history WHERE ticket_id = ? ORDER BY id').all(id) as {
      from_status: TicketStatus | null;
      to_status: TicketStatus;
      actor: string;
      note: string | null;
      at_ms: number;
    }[];
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, actor: r.actor, note: r.note, atMs: r.at_ms }));
  }

  private toTicket(row: TicketRow): StoredTicket {
    return {
      id: row.id,
      status: row.status,
      mode: row.mode,
      positionIds: JSON.parse(row.position_ids_json) as string[],
      content: JSON.parse(row.content_json) as Record<string, unknown>,
      contentSha256: row.content_sha256,
      createdBy: row.created_by,
      createdAtMs: row.created_at_ms,
      updatedAtMs: row.updated_at_ms,
      history: this.history(row.id),
    };
  }

  getTicket(id: string): StoredTicket | null {
    const row = this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
    return row ? this.toTicket(row) : null;
  }

  listTickets(filter: { status?: TicketStatus; limit?: number; offset?: number } = {}): StoredTicket[] {
    const limit = filter.limit ?? 100;
    const offset = filter.offset ?? 0;
    const rows = (
      filter.status
        ? this.db
            .prepare('SELECT * FROM tickets WHERE status = ? ORDER BY created_at_ms DESC, id LIMIT ? OFFSET ?')
            .all(filter.status, limit, offset)
        : this.db.prepare('SELECT * FROM tickets ORDER BY created_at_ms DESC, id LIMIT ? OFFSET ?').all(limit, offset)
    ) as TicketRow[];
    return rows.map((r) => this.toTicket(r));
  }

  /** Moves a ticket along `TICKET_TRANSITIONS`, atomically with its history and audit entries. */
  transitionTicket(id: string, to: TicketStatus, actor: string, note?: string): StoredTicket {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT status FROM tickets WHERE id = ?').get(id) as
        { status: TicketStatus } | undefined;
      if (!row) throw new NotFoundError('ticket', id);
      if (!TICKET_TRANSITIONS[row.status].includes(to)) throw new TransitionError(id, row.status, to);
      const at = this.now();
      this.db.prepare('UPDATE tickets SET status = ?, updated_at_ms = ? WHERE id = ?').run(to, at, id);
      this.db
        .prepare(
          `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(id, row.status, to, actor, note ?? null, at);
      this.audit(actor, `ticket.${to}`, id, note ? { note } : undefined);
      return this.getTicket(id)!;
    })();
  }

  /** True if the stored content still matches its checksum (used by the crash test and `GET /api/tickets/:id`). */
  static verifyTicket(ticket: StoredTicket): boolean {
    return sha256Hex(canonicalJson(ticket.content)) === ticket.contentSha256;
  }
}

export function openStore(path: string, now?: () => number): Store {
  return new Store(now ? { path, now } : { path });
}
