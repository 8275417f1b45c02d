/**
 * Tickets and their transitions: a ticket is stored with its full content (and the content's SHA-256), its legs,
 * its expiry and its status history; every status change is checked against `TICKET_TRANSITIONS` and written in one
 * transaction with its history row and its audit row. Fills are recorded by the ledger (ledger.ts).
 */
import { randomUUID } from 'node:crypto';
import { PositionStore } from './positions.js';
import { FourEyesError, NotFoundError, TicketExpiredError, TransitionError } from './errors.js';
import { TICKET_TRANSITIONS, canonicalJson, sha256Hex } from './types.js';
import type {
  FillRow,
  StoredTicket,
  StoredTicketLeg,
  TicketApproval,
  TicketHistoryEntry,
  TicketRow,
  TicketStatus,
} from './types.js';
import { filledPerLeg, remainingPerLeg } from '../../../hedging/ledger.js';
import type { Fill } from '../../../hedging/ledger.js';

export class TicketStore extends PositionStore {
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
    this.write('ticket create', () => {
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
    });
    return this.getTicket(id)!;
  }

  protected history(id: string): TicketHistoryEntry[] {
    const rows = this.db.prepare('SELECT * FROM ticket_status_history WHERE ticket_id = ? ORDER BY id').all(id) as {
      from_status: TicketStatus | null;
      to_status: TicketStatus;
      actor: string;
      note: string | null;
      at_ms: number;
    }[];
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, actor: r.actor, note: r.note, atMs: r.at_ms }));
  }

  protected toTicket(row: TicketRow): StoredTicket {
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
    return this.write(`ticket ${to}`, () => {
      this.moveTicket(id, to, actor, note ?? null);
      return this.getTicket(id)!;
    });
  }

  /** The status change itself (inside the caller's transaction): checks, update, history, audit. */
  protected moveTicket(id: string, to: TicketStatus, actor: string, note: string | null, detail?: unknown): TicketRow {
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
    return this.write('ticket approve', () => {
      const row = this.db.prepare('SELECT created_by FROM tickets WHERE id = ?').get(id) as
        { created_by: string } | undefined;
      if (!row) throw new NotFoundError('ticket', id);
      if (options.fourEyes && row.created_by === actor) throw new FourEyesError(id, row.created_by);
      this.moveTicket(id, 'approved', actor, options.note ?? null, options.detail);
      return this.getTicket(id)!;
    });
  }

  /** Proposed tickets past their expiry -> `expired`, each with history and audit (actor `system:expiry`). */
  expireTickets(nowMs: number = this.now()): string[] {
    const due = () =>
      (
        this.db
          .prepare(
            `SELECT id FROM tickets WHERE status = 'proposed' AND expires_at_ms IS NOT NULL AND expires_at_ms <= ?
             ORDER BY expires_at_ms, id`,
          )
          .all(nowMs) as { id: string }[]
      ).map((r) => r.id);
    // The routes sweep before every ticket read: with nothing due the sweep is a read, so reads go on while the
    // database is locked or full.
    if (this.read('ticket expiry', due).length === 0) return [];
    return this.write('ticket expiry', () => {
      const ids = due();
      for (const id of ids) this.moveTicket(id, 'expired', 'system:expiry', 'TTL passed before approval');
      return ids;
    });
  }

  protected toFill(row: FillRow): Fill {
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

  protected ticketFills(ticketId: string): Fill[] {
    const rows = this.db.prepare('SELECT * FROM fills WHERE ticket_id = ? ORDER BY seq').all(ticketId) as FillRow[];
    return rows.map((r) => this.toFill(r));
  }
}
