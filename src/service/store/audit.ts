/**
 * The audit log: append-only (triggers refuse UPDATE and DELETE, migration 4) and hash-chained: each row stores
 * `row_hash = sha256(prev_hash || row)` (`auditRowHash`), so an edited, deleted or reordered row is found by
 * `verifyAuditChain` (and `ilhedge db check`) even when someone with the file dropped the triggers first.
 */
import { StoreCore } from './core.js';
import { AUDIT_GENESIS_HASH, auditRowHash } from './types.js';
import type { AuditEntry, AuditRow } from './types.js';
import type { SqlSession } from './sql.js';

/** What `verifyAuditChain` found: the rows checked, the chain's head, and every break with its row id. */
export interface AuditChainReport {
  rows: number;
  /** The last row's hash: record it outside the database to detect a truncated tail later. */
  headHash: string;
  /** The highest id ever issued for the log (sqlite_sequence, ilhedge_sequence): rows above the last were deleted. */
  highestIssuedId: number;
  problems: string[];
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    atMs: r.at_ms,
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as unknown),
    rowHash: r.row_hash,
  };
}

/** The table that records the highest audit id ever issued: SQLite's own, or the one migrations keep in PostgreSQL. */
function issuedTable(session: SqlSession): string {
  return session.dialect === 'sqlite' ? 'sqlite_sequence' : 'ilhedge_sequence';
}

export class AuditStore extends StoreCore {
  /** Appends one audit row, chained to the last one, in its own transaction. */
  audit(actor: string, action: string, target: string | null, detail?: unknown): Promise<void> {
    return this.write(`audit entry ${action}`, (tx) => this.auditIn(tx, actor, action, target, detail));
  }

  /**
   * Appends one audit row inside the caller's transaction (every write of the store audits in the same transaction
   * as the change). The driver serialises write transactions, so the last row read here is still the last at commit.
   */
  async auditIn(tx: SqlSession, actor: string, action: string, target: string | null, detail?: unknown): Promise<void> {
    const last = await tx.get<{ id: number; row_hash: string }>(
      'SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    const issued = await tx.get<{ seq: number }>(`SELECT seq FROM ${issuedTable(tx)} WHERE name = 'audit_log'`);
    // The id is chosen here (as AUTOINCREMENT would) because the hash covers it.
    const id = Math.max(last?.id ?? 0, issued?.seq ?? 0) + 1;
    const row = {
      id,
      at_ms: this.now(),
      actor,
      action,
      target,
      detail_json: detail === undefined ? null : JSON.stringify(detail),
    };
    const prevHash = last?.row_hash ?? AUDIT_GENESIS_HASH;
    await tx.run(
      `INSERT INTO audit_log (id, at_ms, actor, action, target, detail_json, prev_hash, row_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [row.id, row.at_ms, row.actor, row.action, row.target, row.detail_json, prevHash, auditRowHash(prevHash, row)],
    );
  }

  listAudit(limit = 100, sinceId = 0): Promise<AuditEntry[]> {
    return this.read('listing the audit log', async (s) =>
      (await s.all<AuditRow>('SELECT * FROM audit_log WHERE id > ? ORDER BY id DESC LIMIT ?', [sinceId, limit])).map(
        toEntry,
      ),
    );
  }

  /** Every audit row, oldest first (for the consistency check). */
  allAudit(): Promise<AuditEntry[]> {
    return this.read('reading the audit log', async (s) =>
      (await s.all<AuditRow>('SELECT * FROM audit_log ORDER BY id')).map(toEntry),
    );
  }

  /**
   * Walks the chain from the first row: each row's `prev_hash` must be the previous row's `row_hash` (the genesis
   * hash for the first), its `row_hash` must be the hash of its fields, ids must run 1, 2, 3... without gaps, and
   * no id above the last row may have been issued.
   */
  verifyAuditChain(): Promise<AuditChainReport> {
    return this.read('verifying the audit chain', async (s) => {
      const problems: string[] = [];
      let prev = AUDIT_GENESIS_HASH;
      let expectedId = 1;
      let rows = 0;
      for (const row of await s.all<AuditRow>('SELECT * FROM audit_log ORDER BY id')) {
        rows++;
        if (row.id !== expectedId) {
          problems.push(`audit row ${row.id}: expected id ${expectedId} (rows ${expectedId}..${row.id - 1} deleted)`);
        }
        if (row.prev_hash !== prev) {
          problems.push(`audit row ${row.id}: prev_hash does not match the previous row's hash (a row was removed)`);
        }
        const hash = auditRowHash(row.prev_hash, row);
        if (hash !== row.row_hash) {
          problems.push(
            `audit row ${row.id} (${row.action} by ${row.actor}): its content does not match its hash (edited)`,
          );
        }
        prev = row.row_hash;
        expectedId = row.id + 1;
      }
      const issued =
        (await s.get<{ seq: number }>(`SELECT seq FROM ${issuedTable(s)} WHERE name = 'audit_log'`))?.seq ?? 0;
      if (issued > expectedId - 1) {
        problems.push(
          `audit log: ids up to ${issued} were issued but the last row is ${expectedId - 1} (rows deleted)`,
        );
      }
      return { rows, headHash: prev, highestIssuedId: issued, problems };
    });
  }
}
