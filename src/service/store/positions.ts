/** Positions: the LP positions the desk hedges, versioned, soft-deleted (tickets keep referring to them), audited. */
import { randomUUID } from 'node:crypto';
import { KeyStore } from './keys.js';
import { NotFoundError } from './errors.js';
import type { PositionRow } from './types.js';
import type { PositionSpec, StoredPosition } from '../types.js';

export class PositionStore extends KeyStore {
  protected toPosition(row: PositionRow): StoredPosition {
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
    this.write('position create', () => {
      this.db
        .prepare('INSERT INTO positions (id, spec_json, version, created_at_ms, updated_at_ms) VALUES (?, ?, 1, ?, ?)')
        .run(id, JSON.stringify(spec), at, at);
      this.audit(actor, 'position.create', id, spec);
    });
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
    return this.write('position update', () => {
      const at = this.now();
      const result = this.db
        .prepare(
          'UPDATE positions SET spec_json = ?, version = version + 1, updated_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL',
        )
        .run(JSON.stringify(spec), at, id);
      if (result.changes === 0) throw new NotFoundError('position', id);
      this.audit(actor, 'position.update', id, spec);
      return this.getPosition(id)!;
    });
  }

  /** Soft delete: tickets keep referring to the position they were made for. */
  deletePosition(id: string, actor: string): void {
    this.write('position delete', () => {
      const result = this.db
        .prepare('UPDATE positions SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL')
        .run(this.now(), id);
      if (result.changes === 0) throw new NotFoundError('position', id);
      this.audit(actor, 'position.delete', id);
    });
  }
}
