/** Positions: the LP positions the desk hedges, versioned, soft-deleted (tickets keep referring to them), audited. */
import { randomUUID } from 'node:crypto';
import { KeyStore } from './keys.js';
import { NotFoundError } from './errors.js';
import type { PositionRow } from './types.js';
import type { SqlSession } from './sql.js';
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

  createPosition(spec: PositionSpec, actor: string, id: string = randomUUID()): Promise<StoredPosition> {
    return this.write('position create', (tx) => this.createPositionIn(tx, spec, actor, id));
  }

  /** `createPosition` inside the caller's transaction (a config reload writes its positions and audit row in one). */
  async createPositionIn(
    tx: SqlSession,
    spec: PositionSpec,
    actor: string,
    id: string = randomUUID(),
  ): Promise<StoredPosition> {
    const at = this.now();
    await tx.run(
      'INSERT INTO positions (id, spec_json, version, created_at_ms, updated_at_ms) VALUES (?, ?, 1, ?, ?)',
      [id, JSON.stringify(spec), at, at],
    );
    await this.auditIn(tx, actor, 'position.create', id, spec);
    await this.publish(tx, 'position', id);
    return { ...spec, id, version: 1, createdAtMs: at, updatedAtMs: at };
  }

  protected async positionIn(session: SqlSession, id: string): Promise<StoredPosition | null> {
    const row = await session.get<PositionRow>('SELECT * FROM positions WHERE id = ? AND deleted_at_ms IS NULL', [id]);
    return row ? this.toPosition(row) : null;
  }

  getPosition(id: string): Promise<StoredPosition | null> {
    return this.read('position lookup', (s) => this.positionIn(s, id));
  }

  listPositions(): Promise<StoredPosition[]> {
    return this.read('listing positions', async (s) =>
      (await s.all<PositionRow>('SELECT * FROM positions WHERE deleted_at_ms IS NULL ORDER BY created_at_ms, id')).map(
        (r) => this.toPosition(r),
      ),
    );
  }

  updatePosition(id: string, spec: PositionSpec, actor: string): Promise<StoredPosition> {
    return this.write('position update', (tx) => this.updatePositionIn(tx, id, spec, actor));
  }

  /** `updatePosition` inside the caller's transaction. */
  async updatePositionIn(tx: SqlSession, id: string, spec: PositionSpec, actor: string): Promise<StoredPosition> {
    const at = this.now();
    const result = await tx.run(
      'UPDATE positions SET spec_json = ?, version = version + 1, updated_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL',
      [JSON.stringify(spec), at, id],
    );
    if (result.changes === 0) throw new NotFoundError('position', id);
    await this.auditIn(tx, actor, 'position.update', id, spec);
    await this.publish(tx, 'position', id);
    return (await this.positionIn(tx, id))!;
  }

  /** Soft delete: tickets keep referring to the position they were made for. */
  deletePosition(id: string, actor: string): Promise<void> {
    return this.write('position delete', async (tx) => {
      const result = await tx.run('UPDATE positions SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL', [
        this.now(),
        id,
      ]);
      if (result.changes === 0) throw new NotFoundError('position', id);
      await this.auditIn(tx, actor, 'position.delete', id);
      await this.publish(tx, 'position', id);
    });
  }
}
