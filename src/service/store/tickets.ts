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
import type { SqlSession } from './sql.js';

export class TicketStore extends PositionStore {
  /** Inserts a ticket (status `proposed`) and its first history entry; returns once durable. */
  async createTicket(input: {
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
  }): Promise<StoredTicket> {
    const id = input.id ?? randomUUID();
    const at = this.now();
    const contentJson = canonicalJson(input.content);
    const sha = sha256Hex(contentJson);
    return this.write('ticket create', async (tx) => {
      await tx.run(
        `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
           created_at_ms, updated_at_ms, expires_at_ms, request_json, legs_json, approval_json)
         VALUES (?, 'proposed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
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
        ],
      );
      await tx.run(
        `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
         VALUES (?, NULL, 'proposed', ?, NULL, ?)`,
        [id, input.actor, at],
      );
      await this.auditIn(tx, input.actor, 'ticket.create', id, {
        mode: input.mode,
        positionIds: input.positionIds,
        sha256: sha,
      });
      await this.publish(tx, 'ticket', id);
      return (await this.ticketIn(tx, id))!;
    });
  }

  protected async history(session: SqlSession, id: string): Promise<TicketHistoryEntry[]> {
    const rows = await session.all<{
      from_status: TicketStatus | null;
      to_status: TicketStatus;
      actor: string;
      note: string | null;
      at_ms: number;
    }>('SELECT * FROM ticket_status_history WHERE ticket_id = ? ORDER BY id', [id]);
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, actor: r.actor, note: r.note, atMs: r.at_ms }));
  }

  protected async toTicket(session: SqlSession, row: TicketRow): Promise<StoredTicket> {
    const fills = await this.ticketFills(session, row.id);
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
      history: await this.history(session, row.id),
    };
  }

  /** A ticket read in the caller's session (inside a transaction: as that transaction sees it). */
  async ticketIn(session: SqlSession, id: string): Promise<StoredTicket | null> {
    const row = await session.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [id]);
    return row ? this.toTicket(session, row) : null;
  }

  getTicket(id: string): Promise<StoredTicket | null> {
    return this.read('ticket lookup', (s) => this.ticketIn(s, id));
  }

  listTickets(filter: { status?: TicketStatus; limit?: number; offset?: number } = {}): Promise<StoredTicket[]> {
    const limit = filter.limit ?? 100;
    const offset = filter.offset ?? 0;
    return this.read('listing tickets', async (s) => {
      const rows = filter.status
        ? await s.all<TicketRow>(
            'SELECT * FROM tickets WHERE status = ? ORDER BY created_at_ms DESC, id LIMIT ? OFFSET ?',
            [filter.status, limit, offset],
          )
        : await s.all<TicketRow>('SELECT * FROM tickets ORDER BY created_at_ms DESC, id LIMIT ? OFFSET ?', [
            limit,
            offset,
          ]);
      const tickets: StoredTicket[] = [];
      for (const row of rows) tickets.push(await this.toTicket(s, row));
      return tickets;
    });
  }

  /**
   * Moves a ticket along `TICKET_TRANSITIONS`, atomically with its history and audit entries. A proposed ticket
   * past its expiry can only move to `expired`, even before `expireTickets` has swept it. The executed states are
   * reached through `recordTicketFills` only (the fills decide which), so they are refused here.
   */
  transitionTicket(id: string, to: TicketStatus, actor: string, note?: string): Promise<StoredTicket> {
    if (to === 'executed' || to === 'partially-executed') {
      return Promise.reject(new Error(`ticket ${id}: record fills with recordTicketFills to move it to ${to}`));
    }
    return this.write(`ticket ${to}`, async (tx) => {
      await this.moveTicket(tx, id, to, actor, note ?? null);
      return (await this.ticketIn(tx, id))!;
    });
  }

  /**
   * The status change itself (inside the caller's transaction): checks, update, history, audit. The row is read
   * inside the transaction, and write transactions are serialised (by the driver, across instances too), so two
   * approvals or executions of one ticket cannot both pass the check.
   */
  protected async moveTicket(
    tx: SqlSession,
    id: string,
    to: TicketStatus,
    actor: string,
    note: string | null,
    detail?: unknown,
  ): Promise<TicketRow> {
    const row = await tx.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [id]);
    if (!row) throw new NotFoundError('ticket', id);
    if (!TICKET_TRANSITIONS[row.status].includes(to)) throw new TransitionError(id, row.status, to);
    const at = this.now();
    if (row.status === 'proposed' && to !== 'expired' && row.expires_at_ms !== null && at >= row.expires_at_ms) {
      throw new TicketExpiredError(id, row.expires_at_ms);
    }
    await tx.run('UPDATE tickets SET status = ?, updated_at_ms = ? WHERE id = ?', [to, at, id]);
    await tx.run(
      `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [id, row.status, to, actor, note, at],
    );
    const auditDetail = { ...(note ? { note } : {}), ...(detail === undefined ? {} : { detail }) };
    await this.auditIn(tx, actor, `ticket.${to}`, id, Object.keys(auditDetail).length > 0 ? auditDetail : undefined);
    await this.publish(tx, 'ticket', id);
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
  ): Promise<StoredTicket> {
    return this.write('ticket approve', async (tx) => {
      const row = await tx.get<{ created_by: string }>('SELECT created_by FROM tickets WHERE id = ?', [id]);
      if (!row) throw new NotFoundError('ticket', id);
      if (options.fourEyes && row.created_by === actor) throw new FourEyesError(id, row.created_by);
      await this.moveTicket(tx, id, 'approved', actor, options.note ?? null, options.detail);
      return (await this.ticketIn(tx, id))!;
    });
  }

  /** Proposed tickets past their expiry -> `expired`, each with history and audit (actor `system:expiry`). */
  async expireTickets(nowMs: number = this.now()): Promise<string[]> {
    const due = async (s: SqlSession) =>
      (
        await s.all<{ id: string }>(
          `SELECT id FROM tickets WHERE status = 'proposed' AND expires_at_ms IS NOT NULL AND expires_at_ms <= ?
           ORDER BY expires_at_ms, id`,
          [nowMs],
        )
      ).map((r) => r.id);
    // The routes sweep before every ticket read: with nothing due the sweep is a read, so reads go on while the
    // database is locked or full.
    if ((await this.read('ticket expiry', due)).length === 0) return [];
    return this.write('ticket expiry', async (tx) => {
      const ids = await due(tx);
      for (const id of ids) await this.moveTicket(tx, id, 'expired', 'system:expiry', 'TTL passed before approval');
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

  protected async ticketFills(session: SqlSession, ticketId: string): Promise<Fill[]> {
    const rows = await session.all<FillRow>('SELECT * FROM fills WHERE ticket_id = ? ORDER BY seq', [ticketId]);
    return rows.map((r) => this.toFill(r));
  }
}
