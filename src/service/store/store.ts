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
import {
  assignFillsToLegs,
  filledPerLeg,
  foldFills,
  holdingId,
  legsComplete,
  normaliseScope,
  remainingPerLeg,
} from '../../../hedging/ledger.js';
import type { ContractTerms, Fill, FillReport, HeldKind, Holding } from '../../../hedging/ledger.js';
import type { Venue } from '../../../adapters/model.js';

export const ROLES = ['viewer', 'trader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TICKET_STATUSES = [
  'proposed',
  'approved',
  'rejected',
  'expired',
  'partially-executed',
  'executed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/**
 * Enforced ticket transitions: anything else is a conflict. `partially-executed -> partially-executed` is a further
 * partial fill; the executed states are reached only through `recordTicketFills` (the fills decide which one).
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  proposed: ['approved', 'rejected', 'expired'],
  approved: ['partially-executed', 'executed'],
  'partially-executed': ['partially-executed', 'executed'],
  rejected: [],
  expired: [],
  executed: [],
};

/** A ticket leg as the ledger fills it: what to trade and the contract terms its fills carry. */
export interface StoredTicketLeg extends ContractTerms {
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  side: 'buy' | 'sell';
  /** Unsigned contracts the leg asks for. */
  contracts: number;
  /** Limit price, price currency: what "filled as ticketed" fills at. */
  limitPrice: number;
  /** The leg's estimated venue fees for all its contracts, USD (pro-rated onto "filled as ticketed" fills). */
  feesQuote: number;
}

/** Approval settings a ticket was proposed under (the policy's `approval` section). */
export interface TicketApproval {
  ttlMinutes: number;
  /** Approval re-prices the ticket and refuses it when the price moved more than this fraction. */
  maxPriceMoveFraction: number;
}

export interface StoredTicketLegState extends StoredTicketLeg {
  filledContracts: number;
  remainingContracts: number;
}

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
  /** Proposed tickets past this time can no longer be approved (null: tickets from before expiry existed). */
  expiresAtMs: number | null;
  /** The proposal request, kept so approval can re-price it (null for tickets from before the ledger). */
  request: Record<string, unknown> | null;
  approval: TicketApproval | null;
  /** The legs with what is filled so far (null for tickets from before the ledger). */
  legs: StoredTicketLegState[] | null;
  fills: Fill[];
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

/** A proposed ticket past its TTL: it can only expire. */
export class TicketExpiredError extends Error {
  override name = 'TicketExpiredError';
  constructor(
    readonly ticketId: string,
    readonly expiresAtMs: number,
  ) {
    super(`ticket ${ticketId} expired at ${new Date(expiresAtMs).toISOString()}; propose a new one`);
  }
}

/** Four-eyes: the key that proposed a ticket may not approve it. */
export class FourEyesError extends Error {
  override name = 'FourEyesError';
  constructor(
    readonly ticketId: string,
    readonly proposer: string,
  ) {
    super(`ticket ${ticketId} was proposed by ${proposer.replace(/^key:/, 'key ')}; a different key must approve it`);
  }
}

/** A holding that is flat cannot be closed again. */
export class HoldingFlatError extends Error {
  override name = 'HoldingFlatError';
  constructor(readonly holdingId: string) {
    super(`holding ${holdingId} is flat: nothing to close`);
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
  expires_at_ms: number | null;
  request_json: string | null;
  legs_json: string | null;
  approval_json: string | null;
}

interface FillRow {
  seq: number;
  id: string;
  holding_id: string;
  at_ms: number;
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  contracts: number;
  price: number;
  fee_quote: number;
  venue_order_id: string | null;
  ticket_id: string | null;
  leg_index: number | null;
  scope_json: string;
  source: Fill['source'];
  actor: string;
  contract_size: number | null;
  contract_value_quote: number | null;
  price_currency: string;
}

/** A hedge entered by hand (or from the config): one fill outside any ticket. */
export interface ManualHoldingInput extends ContractTerms {
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  contracts: number;
  price: number;
  feeQuote?: number;
  atMs?: number;
  scope?: string[];
  venueOrderId?: string | null;
  source?: 'manual' | 'config';
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
    /** When the proposal stops being approvable, UTC ms (null: never)... */
    expiresAtMs?: number | null;
    /** ...or how long after its creation (the ticket's own timestamp), ms. */
    ttlMs?: number;
    /** The proposal request, for re-pricing on approval. */
    request?: Record<string, unknown> | null;
    /** What the ledger fills (null: a ticket without fill tracking, executed without fills). */
    legs?: StoredTicketLeg[] | null;
    approval?: TicketApproval | null;
  }): StoredTicket {
    const id = input.id ?? randomUUID();
    const at = this.now();
    const contentJson = canonicalJson(input.content);
    const sha = sha256Hex(contentJson);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
             created_at_ms, updated_at_ms, expires_at_ms, request_json, legs_json, approval_json)
           VALUES (?, 'proposed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.mode,
          JSON.stringify(input.positionIds),
          contentJson,
          sha,
          input.actor,
          at,
          at,
          input.ttlMs !== undefined ? at + input.ttlMs : (input.expiresAtMs ?? null),
          input.request ? JSON.stringify(input.request) : null,
          input.legs ? JSON.stringify(input.legs) : null,
          input.approval ? JSON.stringify(input.approval) : null,
        );
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
    const fills = this.ticketFills(row.id);
    const legs = row.legs_json === null ? null : (JSON.parse(row.legs_json) as StoredTicketLeg[]);
    const filled = legs ? filledPerLeg(legs, fills) : [];
    const remaining = legs ? remainingPerLeg(legs, filled) : [];
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
      expiresAtMs: row.expires_at_ms,
      request: row.request_json === null ? null : (JSON.parse(row.request_json) as Record<string, unknown>),
      approval: row.approval_json === null ? null : (JSON.parse(row.approval_json) as TicketApproval),
      legs: legs
        ? legs.map((leg, i) => ({ ...leg, filledContracts: filled[i]!, remainingContracts: remaining[i]! }))
        : null,
      fills,
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

  /**
   * Moves a ticket along `TICKET_TRANSITIONS`, atomically with its history and audit entries. A proposed ticket
   * past its expiry can only move to `expired`, even before `expireTickets` has swept it. The executed states are
   * reached through `recordTicketFills` only (the fills decide which), so they are refused here.
   */
  transitionTicket(id: string, to: TicketStatus, actor: string, note?: string): StoredTicket {
    if (to === 'executed' || to === 'partially-executed') {
      throw new Error(`ticket ${id}: record fills with recordTicketFills to move it to ${to}`);
    }
    return this.db.transaction(() => {
      this.moveTicket(id, to, actor, note ?? null);
      return this.getTicket(id)!;
    })();
  }

  /** The status change itself (inside the caller's transaction): checks, update, history, audit. */
  private moveTicket(id: string, to: TicketStatus, actor: string, note: string | null, detail?: unknown): TicketRow {
    const row = this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
    if (!row) throw new NotFoundError('ticket', id);
    if (!TICKET_TRANSITIONS[row.status].includes(to)) throw new TransitionError(id, row.status, to);
    const at = this.now();
    if (row.status === 'proposed' && to !== 'expired' && row.expires_at_ms !== null && at >= row.expires_at_ms) {
      throw new TicketExpiredError(id, row.expires_at_ms);
    }
    this.db.prepare('UPDATE tickets SET status = ?, updated_at_ms = ? WHERE id = ?').run(to, at, id);
    this.db
      .prepare(
        `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, row.status, to, actor, note, at);
    const auditDetail = { ...(note ? { note } : {}), ...(detail === undefined ? {} : { detail }) };
    this.audit(actor, `ticket.${to}`, id, Object.keys(auditDetail).length > 0 ? auditDetail : undefined);
    return row;
  }

  /**
   * Approves a proposed ticket: refused when it expired, and under four-eyes when `actor` proposed it. `detail`
   * (the re-pricing) goes into the audit entry; `note` into the history.
   */
  approveTicket(
    id: string,
    actor: string,
    options: { fourEyes: boolean; note?: string | null; detail?: unknown } = { fourEyes: true },
  ): StoredTicket {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT created_by FROM tickets WHERE id = ?').get(id) as
        { created_by: string } | undefined;
      if (!row) throw new NotFoundError('ticket', id);
      if (options.fourEyes && row.created_by === actor) throw new FourEyesError(id, row.created_by);
      this.moveTicket(id, 'approved', actor, options.note ?? null, options.detail);
      return this.getTicket(id)!;
    })();
  }

  /** Proposed tickets past their expiry -> `expired`, each with history and audit (actor `system:expiry`). */
  expireTickets(nowMs: number = this.now()): string[] {
    return this.db.transaction(() => {
      const ids = (
        this.db
          .prepare(
            `SELECT id FROM tickets WHERE status = 'proposed' AND expires_at_ms IS NOT NULL AND expires_at_ms <= ?
             ORDER BY expires_at_ms, id`,
          )
          .all(nowMs) as { id: string }[]
      ).map((r) => r.id);
      for (const id of ids) this.moveTicket(id, 'expired', 'system:expiry', 'TTL passed before approval');
      return ids;
    })();
  }

  // ---- ledger ----

  private toFill(row: FillRow): Fill {
    return {
      id: row.id,
      atMs: row.at_ms,
      venue: row.venue,
      underlying: row.underlying,
      instrument: row.instrument,
      kind: row.kind,
      contracts: row.contracts,
      price: row.price,
      feeQuote: row.fee_quote,
      venueOrderId: row.venue_order_id,
      ticketId: row.ticket_id,
      legIndex: row.leg_index,
      scope: JSON.parse(row.scope_json) as string[],
      source: row.source,
      actor: row.actor,
      contractSize: row.contract_size,
      contractValueQuote: row.contract_value_quote,
      priceCurrency: row.price_currency,
    };
  }

  private ticketFills(ticketId: string): Fill[] {
    const rows = this.db.prepare('SELECT * FROM fills WHERE ticket_id = ? ORDER BY seq').all(ticketId) as FillRow[];
    return rows.map((r) => this.toFill(r));
  }

  /** Appends one fill (inside the caller's transaction). The table's triggers refuse any UPDATE or DELETE. */
  private insertFill(fill: Fill): void {
    this.db
      .prepare(
        `INSERT INTO fills (id, holding_id, at_ms, recorded_at_ms, venue, underlying, instrument, kind, contracts,
           price, fee_quote, venue_order_id, ticket_id, leg_index, scope_json, source, actor, contract_size,
           contract_value_quote, price_currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        fill.id,
        holdingId(fill.venue, fill.instrument, fill.scope),
        fill.atMs,
        this.now(),
        fill.venue,
        fill.underlying,
        fill.instrument,
        fill.kind,
        fill.contracts,
        fill.price,
        fill.feeQuote,
        fill.venueOrderId,
        fill.ticketId,
        fill.legIndex,
        JSON.stringify(fill.scope),
        fill.source,
        fill.actor,
        fill.contractSize,
        fill.contractValueQuote,
        fill.priceCurrency,
      );
  }

  /**
   * Records fills of an approved or partially executed ticket, in ONE transaction with the ticket's move to
   * `partially-executed` or `executed` (executed once every leg is filled), its history entry and the audit entry:
   * either all of it is durable or none of it. `reports` null = "filled as ticketed": every leg's remaining
   * contracts at its limit price, fees pro-rated from the leg's estimate. Each fill is checked against the legs
   * (`assignFillsToLegs`; errors name `<path>[i].<field>`), carries the leg's contract terms, and is scoped to the
   * ticket's positions. A ticket without legs (from before the ledger, or nothing to trade) takes no fills and is
   * executed by an empty call.
   */
  recordTicketFills(
    ticketId: string,
    reports: readonly (FillReport & { atMs?: number })[] | null,
    actor: string,
    options: { note?: string | null; path?: string } = {},
  ): StoredTicket {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(ticketId) as TicketRow | undefined;
      if (!row) throw new NotFoundError('ticket', ticketId);
      // Checked before the fills so an early call is a conflict, not a complaint about the fills.
      if (!TICKET_TRANSITIONS[row.status].includes('executed')) {
        throw new TransitionError(ticketId, row.status, 'executed');
      }
      const legs = row.legs_json === null ? [] : (JSON.parse(row.legs_json) as StoredTicketLeg[]);
      const already = filledPerLeg(legs, this.ticketFills(ticketId));
      const at = this.now();
      const effective: readonly (FillReport & { atMs?: number })[] =
        reports ??
        remainingPerLeg(legs, already).flatMap((left, i) => {
          const leg = legs[i]!;
          if (left === 0) return [];
          return [
            {
              instrument: leg.instrument,
              contracts: leg.side === 'buy' ? left : -left,
              price: leg.limitPrice,
              feeQuote: leg.contracts > 0 ? (leg.feesQuote * left) / leg.contracts : 0,
            },
          ];
        });
      if (legs.length > 0 && effective.length === 0) {
        throw new Error(`ticket ${ticketId}: no fills to record`);
      }
      const legIndexes = assignFillsToLegs(legs, already, effective, options.path ?? 'fills');
      const scope = normaliseScope(JSON.parse(row.position_ids_json) as string[]);
      const fills: Fill[] = effective.map((report, i) => {
        const leg = legs[legIndexes[i]!]!;
        return {
          id: randomUUID(),
          atMs: report.atMs ?? at,
          venue: leg.venue,
          underlying: leg.underlying,
          instrument: leg.instrument,
          kind: leg.kind,
          contracts: report.contracts,
          price: report.price,
          feeQuote: report.feeQuote ?? 0,
          venueOrderId: report.venueOrderId ?? null,
          ticketId,
          legIndex: legIndexes[i]!,
          scope,
          source: 'ticket',
          actor,
          contractSize: leg.contractSize,
          contractValueQuote: leg.contractValueQuote,
          priceCurrency: leg.priceCurrency,
        };
      });
      for (const fill of fills) this.insertFill(fill);
      const filled = [...already];
      fills.forEach((f) => (filled[f.legIndex!]! += Math.abs(f.contracts)));
      const to: TicketStatus = legsComplete(legs, filled) ? 'executed' : 'partially-executed';
      this.moveTicket(ticketId, to, actor, options.note ?? null, {
        fills: fills.map((f) => ({ id: f.id, instrument: f.instrument, contracts: f.contracts, price: f.price })),
        asTicketed: reports === null,
      });
      return this.getTicket(ticketId)!;
    })();
  }

  /** Enters a hedge held outside any ticket (one `manual` or `config` fill), with its audit entry. */
  addManualHolding(input: ManualHoldingInput, actor: string): Holding {
    return this.db.transaction(() => {
      const scope = normaliseScope(input.scope ?? []);
      const fill: Fill = {
        id: randomUUID(),
        atMs: input.atMs ?? this.now(),
        venue: input.venue,
        underlying: input.underlying,
        instrument: input.instrument,
        kind: input.kind,
        contracts: input.contracts,
        price: input.price,
        feeQuote: input.feeQuote ?? 0,
        venueOrderId: input.venueOrderId ?? null,
        ticketId: null,
        legIndex: null,
        scope,
        source: input.source ?? 'manual',
        actor,
        contractSize: input.contractSize,
        contractValueQuote: input.contractValueQuote,
        priceCurrency: input.priceCurrency,
      };
      // Folding first refuses a fill whose terms differ from the holding it would join (nothing is written then).
      const id = holdingId(fill.venue, fill.instrument, scope);
      const holding = foldFills([...this.holdingFills(id), fill]).find((h) => h.id === id)!;
      this.insertFill(fill);
      this.audit(actor, 'holding.enter', id, {
        fillId: fill.id,
        instrument: fill.instrument,
        contracts: fill.contracts,
        price: fill.price,
        scope,
      });
      return holding;
    })();
  }

  /**
   * Closes a holding: one `close` fill of minus its net contracts at `price`, with its audit entry. Refuses a
   * flat holding (HoldingFlatError) and an unknown id (NotFoundError).
   */
  closeHolding(id: string, close: { price: number; feeQuote?: number; atMs?: number }, actor: string): Holding {
    return this.db.transaction(() => {
      const existing = this.holdingFills(id);
      const holding = foldFills(existing).find((h) => h.id === id);
      if (!holding) throw new NotFoundError('holding', id);
      if (holding.netContracts === 0) throw new HoldingFlatError(id);
      const fill: Fill = {
        id: randomUUID(),
        atMs: close.atMs ?? this.now(),
        venue: holding.venue,
        underlying: holding.underlying,
        instrument: holding.instrument,
        kind: holding.kind,
        contracts: -holding.netContracts,
        price: close.price,
        feeQuote: close.feeQuote ?? 0,
        venueOrderId: null,
        ticketId: null,
        legIndex: null,
        scope: holding.scope,
        source: 'close',
        actor,
        contractSize: holding.contractSize,
        contractValueQuote: holding.contractValueQuote,
        priceCurrency: holding.priceCurrency,
      };
      const closed = foldFills([...existing, fill]).find((h) => h.id === id)!;
      this.insertFill(fill);
      this.audit(actor, 'holding.close', id, {
        fillId: fill.id,
        contracts: fill.contracts,
        price: fill.price,
        realisedPnl: closed.realisedPnl,
        realisedPnlCurrency: closed.realisedPnlCurrency,
      });
      return closed;
    })();
  }

  private holdingFills(id: string): Fill[] {
    const rows = this.db.prepare('SELECT * FROM fills WHERE holding_id = ? ORDER BY seq').all(id) as FillRow[];
    return rows.map((r) => this.toFill(r));
  }

  /** Every fill, in the order recorded. */
  listFills(): Fill[] {
    return (this.db.prepare('SELECT * FROM fills ORDER BY seq').all() as FillRow[]).map((r) => this.toFill(r));
  }

  /** What is held: every fill folded (`foldFills`), flat holdings included. */
  listHoldings(): Holding[] {
    return foldFills(this.listFills());
  }

  getHolding(id: string): Holding | null {
    return foldFills(this.holdingFills(id)).find((h) => h.id === id) ?? null;
  }

  /** True if the stored content still matches its checksum (used by the crash test and `GET /api/tickets/:id`). */
  static verifyTicket(ticket: StoredTicket): boolean {
    return sha256Hex(canonicalJson(ticket.content)) === ticket.contentSha256;
  }
}

export function openStore(path: string, now?: () => number): Store {
  return new Store(now ? { path, now } : { path });
}
