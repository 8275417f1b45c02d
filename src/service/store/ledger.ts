/**
 * The hedge ledger: append-only fills (triggers refuse UPDATE and DELETE) folded into holdings (`foldFills`). Ticket
 * fills are recorded in one transaction with the ticket's move to partially-executed or executed; hedges entered by
 * hand and closes are one fill each; every write has its audit row in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { TicketStore } from './tickets.js';
import { HoldingFlatError, NotFoundError, TransitionError } from './errors.js';
import { TICKET_TRANSITIONS } from './types.js';
import type { FillRow, ManualHoldingInput, StoredTicket, StoredTicketLeg, TicketRow, TicketStatus } from './types.js';
import {
  assignFillsToLegs,
  filledPerLeg,
  foldFills,
  holdingId,
  legsComplete,
  normaliseScope,
  remainingPerLeg,
} from '../../../hedging/ledger.js';
import type { Fill, FillReport, Holding } from '../../../hedging/ledger.js';
import type { SqlSession } from './sql.js';
import type { PositionSpec } from '../types.js';

export class LedgerStore extends TicketStore {
  /** Appends one fill (inside the caller's transaction). The table's triggers refuse any UPDATE or DELETE. */
  protected async insertFill(tx: SqlSession, fill: Fill): Promise<void> {
    await tx.run(
      `INSERT INTO fills (id, holding_id, at_ms, recorded_at_ms, venue, underlying, instrument, kind, contracts,
         price, fee_quote, venue_order_id, ticket_id, leg_index, scope_json, source, actor, contract_size,
         contract_value_quote, price_currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
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
      ],
    );
    await this.publish(tx, 'fill', fill.id);
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
  ): Promise<StoredTicket> {
    return this.write('ticket fills', (tx) => this.recordTicketFillsIn(tx, ticketId, reports, actor, options));
  }

  /** `recordTicketFills` inside the caller's transaction (the order manager books a venue fill with its order). */
  async recordTicketFillsIn(
    tx: SqlSession,
    ticketId: string,
    reports: readonly (FillReport & { atMs?: number })[] | null,
    actor: string,
    options: { note?: string | null; path?: string } = {},
  ): Promise<StoredTicket> {
    const row = await tx.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [ticketId]);
    if (!row) throw new NotFoundError('ticket', ticketId);
    // Checked before the fills so an early call is a conflict, not a complaint about the fills.
    if (!TICKET_TRANSITIONS[row.status].includes('executed')) {
      throw new TransitionError(ticketId, row.status, 'executed');
    }
    const legs = row.legs_json === null ? [] : (JSON.parse(row.legs_json) as StoredTicketLeg[]);
    const already = filledPerLeg(legs, await this.ticketFills(tx, ticketId));
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
    for (const fill of fills) await this.insertFill(tx, fill);
    const filled = [...already];
    fills.forEach((f) => (filled[f.legIndex!]! += Math.abs(f.contracts)));
    const to: TicketStatus = legsComplete(legs, filled) ? 'executed' : 'partially-executed';
    await this.moveTicket(tx, ticketId, to, actor, options.note ?? null, {
      fills: fills.map((f) => ({ id: f.id, instrument: f.instrument, contracts: f.contracts, price: f.price })),
      asTicketed: reports === null,
    });
    return (await this.ticketIn(tx, ticketId))!;
  }

  /** Enters a hedge held outside any ticket (one `manual` or `config` fill), with its audit entry. */
  addManualHolding(input: ManualHoldingInput, actor: string): Promise<Holding> {
    return this.write('holding entry', (tx) => this.addManualHoldingIn(tx, input, actor));
  }

  /**
   * Seeds the config's positions and the hedges held beside them, in one transaction, if the store never had a
   * position: with several instances starting on one new database, exactly one seeds (the check is inside the
   * serialised write). Returns how many positions were seeded (0: the store had positions already).
   */
  seedIfEmpty(
    positions: readonly (PositionSpec & { id?: string })[],
    holdings: readonly ManualHoldingInput[],
    actor: string,
  ): Promise<number> {
    return this.write('seeding positions', async (tx) => {
      const row = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM positions');
      if (Number(row?.n ?? 0) > 0) return 0;
      for (const spec of positions) await this.createPositionIn(tx, spec, actor, spec.id);
      for (const holding of holdings) await this.addManualHoldingIn(tx, holding, actor);
      return positions.length;
    });
  }

  /** `addManualHolding` inside the caller's transaction. */
  async addManualHoldingIn(tx: SqlSession, input: ManualHoldingInput, actor: string): Promise<Holding> {
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
    const holding = foldFills([...(await this.holdingFills(tx, id)), fill]).find((h) => h.id === id)!;
    await this.insertFill(tx, fill);
    await this.auditIn(tx, actor, 'holding.enter', id, {
      fillId: fill.id,
      instrument: fill.instrument,
      contracts: fill.contracts,
      price: fill.price,
      scope,
    });
    return holding;
  }

  /**
   * Closes a holding: one `close` fill of minus its net contracts at `price`, with its audit entry. Refuses a
   * flat holding (HoldingFlatError) and an unknown id (NotFoundError).
   */
  closeHolding(
    id: string,
    close: { price: number; feeQuote?: number; atMs?: number },
    actor: string,
  ): Promise<Holding> {
    return this.write('holding close', async (tx) => {
      const existing = await this.holdingFills(tx, id);
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
      await this.insertFill(tx, fill);
      await this.auditIn(tx, actor, 'holding.close', id, {
        fillId: fill.id,
        contracts: fill.contracts,
        price: fill.price,
        realisedPnl: closed.realisedPnl,
        realisedPnlCurrency: closed.realisedPnlCurrency,
      });
      return closed;
    });
  }

  protected async holdingFills(session: SqlSession, id: string): Promise<Fill[]> {
    const rows = await session.all<FillRow>('SELECT * FROM fills WHERE holding_id = ? ORDER BY seq', [id]);
    return rows.map((r) => this.toFill(r));
  }

  /** Every fill, in the order recorded. */
  listFills(): Promise<Fill[]> {
    return this.read('listing fills', async (s) =>
      (await s.all<FillRow>('SELECT * FROM fills ORDER BY seq')).map((r) => this.toFill(r)),
    );
  }

  /** What is held: every fill folded (`foldFills`), flat holdings included. */
  async listHoldings(): Promise<Holding[]> {
    return foldFills(await this.listFills());
  }

  async getHolding(id: string): Promise<Holding | null> {
    const fills = await this.read('holding lookup', (s) => this.holdingFills(s, id));
    return foldFills(fills).find((h) => h.id === id) ?? null;
  }
}
