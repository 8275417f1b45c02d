/**
 * The consistency check of the whole store (`ilhedge db check`, and the fault tests after every restart): SQLite's
 * own integrity checks (SQLite's `PRAGMA integrity_check` and foreign keys; PostgreSQL's schema and triggers), the audit log's hash chain, and the ledger's invariants: every
 * ticket's content matches its checksum, its history is a legal walk of `TICKET_TRANSITIONS` ending at its status,
 * its fills fit its legs and agree with its status (executed = every leg filled), every fill folds into its holding
 * (`foldFills`, `holdingId`), and every transition, fill, key and position has its audit row.
 */
import { CONTRACTS_TOLERANCE, filledPerLeg, foldFills, holdingId, legsComplete } from '../../../hedging/ledger.js';
import { migrations } from './migrations.js';
import { TICKET_TRANSITIONS, canonicalJson, sha256Hex } from './types.js';
import type { AuditEntry, StoredTicket, TicketStatus } from './types.js';
import type { Store } from './store.js';

export interface StoreCheckReport {
  ok: boolean;
  path: string;
  schemaVersion: number;
  counts: { positions: number; tickets: number; fills: number; holdings: number; keys: number; audit: number };
  /** The audit chain's head: record it elsewhere to detect a truncated log later. */
  auditHeadHash: string;
  /** Every inconsistency found, each naming the row and what is wrong (empty when `ok`). */
  problems: string[];
}

/** Counts audit rows by `action|target|actor` so each history row can claim one. */
function auditIndex(entries: readonly AuditEntry[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.action}|${e.target}|${e.actor}`;
    index.set(key, (index.get(key) ?? 0) + 1);
  }
  return index;
}

function claim(index: Map<string, number>, key: string): boolean {
  const n = index.get(key) ?? 0;
  if (n === 0) return false;
  index.set(key, n - 1);
  return true;
}

function checkTicket(ticket: StoredTicket, audit: Map<string, number>, problems: string[]): void {
  const where = `ticket ${ticket.id}`;
  if (sha256Hex(canonicalJson(ticket.content)) !== ticket.contentSha256) {
    problems.push(`${where}: content does not match its sha256 (edited)`);
  }
  // History: a legal walk from proposed to the ticket's status, each step with its audit row.
  let at: TicketStatus | null = null;
  ticket.history.forEach((h, i) => {
    if (h.from !== at) problems.push(`${where}: history[${i}] starts at ${h.from}, but the ticket was ${at}`);
    else if (at === null ? h.to !== 'proposed' : !TICKET_TRANSITIONS[at].includes(h.to)) {
      problems.push(`${where}: history[${i}] ${h.from} -> ${h.to} is not an allowed transition`);
    }
    at = h.to;
    const action = h.from === null ? 'ticket.create' : `ticket.${h.to}`;
    if (!claim(audit, `${action}|${ticket.id}|${h.actor}`)) {
      problems.push(`${where}: history[${i}] (${h.from} -> ${h.to} by ${h.actor}) has no audit row ${action}`);
    }
  });
  if (ticket.history.length === 0) problems.push(`${where}: no status history`);
  else if (at !== ticket.status) problems.push(`${where}: status ${ticket.status} but its history ends at ${at}`);

  // Fills against legs and status.
  const legs = ticket.legs ?? [];
  ticket.fills.forEach((f, i) => {
    const leg = f.legIndex === null ? undefined : legs[f.legIndex];
    if (!leg) problems.push(`${where}: fill ${f.id} is on leg ${f.legIndex}, which the ticket does not have`);
    else if (leg.instrument !== f.instrument || leg.venue !== f.venue) {
      problems.push(`${where}: fill ${f.id} (${f.instrument}) is not leg ${f.legIndex}'s ${leg.instrument}`);
    } else if (Math.sign(f.contracts) !== (leg.side === 'buy' ? 1 : -1)) {
      problems.push(`${where}: fills[${i}] ${f.id} has the wrong sign for a ${leg.side} leg`);
    }
  });
  const filled = filledPerLeg(legs, ticket.fills);
  legs.forEach((leg, i) => {
    if (filled[i]! > leg.contracts + CONTRACTS_TOLERANCE * Math.max(1, leg.contracts)) {
      problems.push(`${where}: leg ${i} (${leg.instrument}) has ${filled[i]} contracts filled of ${leg.contracts}`);
    }
  });
  const complete = legsComplete(legs, filled);
  const moves = ticket.history.filter((h) => h.to === 'executed' || h.to === 'partially-executed').length;
  if (ticket.status === 'executed' && !complete) {
    problems.push(
      `${where}: executed but its legs are not all filled (${filled.join(', ')} of ${legs.map((l) => l.contracts).join(', ')})`,
    );
  } else if (ticket.status === 'partially-executed' && (complete || ticket.fills.length === 0)) {
    problems.push(`${where}: partially-executed with ${ticket.fills.length === 0 ? 'no fills' : 'every leg filled'}`);
  } else if (ticket.status !== 'executed' && ticket.status !== 'partially-executed' && ticket.fills.length > 0) {
    problems.push(`${where}: ${ticket.status} but has ${ticket.fills.length} fills`);
  }
  if (legs.length > 0 && ticket.fills.length < moves) {
    problems.push(`${where}: ${moves} execution moves but only ${ticket.fills.length} fills`);
  }
}

/**
 * Checks the whole store; never throws for an inconsistency (each is a line of `problems`). `auditHeads` are head
 * hashes recorded earlier (from a previous check, kept outside the database): each must still be the hash of a row
 * of the chain, or the log up to it was rewritten (the hash covers every row before it).
 */
export async function checkStore(
  store: Store,
  options: { auditHeads?: readonly string[] } = {},
): Promise<StoreCheckReport> {
  const problems: string[] = [];
  problems.push(...(await store.db.integrityProblems()));
  const latest = migrations[migrations.length - 1]!.version;
  const schemaVersion = await store.schemaVersion();
  if (schemaVersion !== latest) problems.push(`schema version ${schemaVersion}, expected ${latest}`);

  const chain = await store.verifyAuditChain();
  problems.push(...chain.problems);
  const entries = await store.allAudit();
  const hashes = new Set(entries.map((e) => e.rowHash));
  for (const head of options.auditHeads ?? []) {
    if (!hashes.has(head)) {
      problems.push(`audit log: the recorded head ${head} is not in the chain (the log up to it was rewritten)`);
    }
  }
  const audit = auditIndex(entries);
  const byAction = (action: string) => entries.filter((e) => e.action === action);

  const ticketIds = (await store.db.all<{ id: string }>('SELECT id FROM tickets ORDER BY created_at_ms, id')).map(
    (r) => r.id,
  );
  for (const id of ticketIds) checkTicket((await store.getTicket(id))!, audit, problems);

  // Fills: each in its holding, all folding without a conflict, each with its audit row.
  const fills = await store.listFills();
  const storedHolding = new Map(
    (await store.db.all<{ id: string; holding_id: string }>('SELECT id, holding_id FROM fills')).map((r) => [
      r.id,
      r.holding_id,
    ]),
  );
  let holdings = 0;
  try {
    holdings = foldFills(fills).length;
  } catch (error) {
    problems.push(`fills do not fold into holdings: ${(error as Error).message}`);
  }
  // What the (hash-chained) audit says each fill was: holding.enter / holding.close name their fill; a ticket's
  // execution move lists its fills under `detail`. A fill edited in place no longer matches its audit row.
  const audited = new Map<string, { contracts?: unknown; price?: unknown }>();
  for (const e of entries) {
    const detail = e.detail as {
      fillId?: unknown;
      contracts?: unknown;
      price?: unknown;
      detail?: { fills?: unknown };
    } | null;
    if (typeof detail?.fillId === 'string') audited.set(detail.fillId, detail);
    const listed = detail?.detail?.fills;
    for (const f of Array.isArray(listed) ? (listed as { id?: unknown; contracts?: unknown; price?: unknown }[]) : []) {
      if (typeof f?.id === 'string') audited.set(f.id, f);
    }
  }
  for (const f of fills) {
    const id = holdingId(f.venue, f.instrument, f.scope);
    if (storedHolding.get(f.id) !== id) {
      problems.push(`fill ${f.id}: stored in holding ${storedHolding.get(f.id)}, folds into ${id}`);
    }
    const row = audited.get(f.id);
    if (!row) problems.push(`fill ${f.id} (${f.source}, ${f.instrument}): no audit row names it`);
    else if (
      (row.contracts !== undefined && row.contracts !== f.contracts) ||
      (row.price !== undefined && row.price !== f.price)
    ) {
      problems.push(
        `fill ${f.id}: ${f.contracts} at ${f.price}, but its audit row says ${String(row.contracts)} at ${String(row.price)} (edited)`,
      );
    }
  }

  // Keys and positions: each created with its audit row; a rotated key points at a key that exists.
  const keys = await store.listApiKeys();
  const keyIds = new Set(keys.map((k) => k.id));
  const createdKeys = new Set([...byAction('key.create'), ...byAction('key.rotate')].map((e) => e.target));
  const revokedKeys = new Set(byAction('key.revoke').map((e) => e.target));
  for (const k of keys) {
    if (!createdKeys.has(k.id)) problems.push(`key ${k.id}: no audit row of its creation`);
    if (k.rotatedTo !== null && !keyIds.has(k.rotatedTo))
      problems.push(`key ${k.id}: rotated to missing key ${k.rotatedTo}`);
    if (k.revokedAtMs !== null && k.rotatedTo === null && !revokedKeys.has(k.id)) {
      problems.push(`key ${k.id}: revoked without an audit row`);
    }
  }
  const positionIds = (await store.db.all<{ id: string }>('SELECT id FROM positions')).map((r) => r.id);
  const createdPositions = new Set(byAction('position.create').map((e) => e.target));
  for (const id of positionIds) {
    if (!createdPositions.has(id)) problems.push(`position ${id}: no audit row of its creation`);
  }

  return {
    ok: problems.length === 0,
    path: store.path,
    schemaVersion,
    counts: {
      positions: positionIds.length,
      tickets: ticketIds.length,
      fills: fills.length,
      holdings,
      keys: keys.length,
      audit: chain.rows,
    },
    auditHeadHash: chain.headHash,
    problems,
  };
}
