/**
 * API keys: `ilh_<id>_<secret>` with 256 random bits, stored only as their SHA-256 and compared in constant time;
 * each with a role, an optional expiry, and rotation (a new key replaces an old one, which stops working at once or
 * after a grace period). Every change is audited in the same transaction; no secret ever reaches the audit log.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuditStore } from './audit.js';
import { NotFoundError } from './errors.js';
import { KEY_PREFIX, parseApiKey, sha256Hex } from './types.js';
import type { ApiKeyRecord, ApiKeyRow, Role } from './types.js';
import type { SqlSession } from './sql.js';

export interface KeyLifetime {
  /** The key stops working at this time, UTC ms (null: never)... */
  expiresAtMs?: number | null;
  /** ...or this long after its creation, ms. */
  ttlMs?: number;
}

function toRecord(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    role: r.role,
    label: r.label,
    createdAtMs: r.created_at_ms,
    createdBy: r.created_by,
    revokedAtMs: r.revoked_at_ms,
    expiresAtMs: r.expires_at_ms,
    rotatedTo: r.rotated_to,
  };
}

export class KeyStore extends AuditStore {
  private keyRow(session: SqlSession, id: string): Promise<ApiKeyRow | undefined> {
    return session.get<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]);
  }

  private async insertKey(
    tx: SqlSession,
    at: number,
    role: Role,
    actor: string,
    label: string | null,
    expiresAtMs: number | null,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomBytes(8).toString('hex').slice(0, 10);
    const secret = randomBytes(32).toString('base64url');
    const key = `${KEY_PREFIX}_${id}_${secret}`;
    await tx.run(
      `INSERT INTO api_keys (id, role, hash_sha256, label, created_at_ms, created_by, expires_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [id, role, sha256Hex(key), label, at, actor, expiresAtMs],
    );
    await this.auditIn(tx, actor, action, id, { role, label, expiresAtMs, ...detail });
    await this.publish(tx, 'key', id);
    return { key, record: toRecord((await this.keyRow(tx, id))!) };
  }

  /**
   * Creates a key and returns it in clear exactly once; only its SHA-256 is stored (the key has 256 random bits).
   * `lifetime` sets an expiry (default: none).
   */
  createApiKey(
    role: Role,
    actor: string,
    label?: string,
    lifetime: KeyLifetime = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const at = this.now();
    const expiresAtMs = lifetime.ttlMs !== undefined ? at + lifetime.ttlMs : (lifetime.expiresAtMs ?? null);
    return this.write('key create', (tx) =>
      this.insertKey(tx, at, role, actor, label ?? null, expiresAtMs, 'key.create', {}),
    );
  }

  /**
   * Creates a key of `role` only if no key of that role works now, in one transaction: with several instances
   * starting on one new database, one first-run admin key is made, not one per instance. Null when one exists.
   */
  createFirstApiKey(role: Role, actor: string, label: string): Promise<{ key: string; record: ApiKeyRecord } | null> {
    return this.write('first key create', async (tx) => {
      const at = this.now();
      const row = await tx.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM api_keys WHERE role = ? AND revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)',
        [role, at],
      );
      if (Number(row?.n ?? 0) > 0) return null;
      return this.insertKey(tx, at, role, actor, label, null, 'key.create', {});
    });
  }

  /**
   * What a presented key is: `valid` (with its record), `revoked` or `expired` (only said once the secret is proven
   * right, so a guess learns nothing), else `invalid`. Constant-time comparison of the hashes.
   */
  async apiKeyStatus(
    key: string,
  ): Promise<{ status: 'valid' | 'revoked' | 'expired'; record: ApiKeyRecord } | { status: 'invalid' }> {
    const parsed = parseApiKey(key);
    if (!parsed) return { status: 'invalid' };
    const row = await this.read('key lookup', (s) => this.keyRow(s, parsed.id));
    if (!row) return { status: 'invalid' };
    const expected = Buffer.from(row.hash_sha256, 'hex');
    const actual = createHash('sha256').update(key, 'utf8').digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { status: 'invalid' };
    const record = toRecord(row);
    if (row.revoked_at_ms !== null) return { status: 'revoked', record };
    if (row.expires_at_ms !== null && row.expires_at_ms <= this.now()) return { status: 'expired', record };
    return { status: 'valid', record };
  }

  /** The record of a valid key (not revoked, not expired), or null. */
  async verifyApiKey(key: string): Promise<ApiKeyRecord | null> {
    const result = await this.apiKeyStatus(key);
    return result.status === 'valid' ? result.record : null;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = await this.read('key lookup', (s) => this.keyRow(s, id));
    return row ? toRecord(row) : null;
  }

  listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.read('listing keys', async (s) =>
      (await s.all<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at_ms, id')).map(toRecord),
    );
  }

  /** Keys that work now (not revoked, not expired), of one role or all. */
  countActiveKeys(role?: Role): Promise<number> {
    const now = this.now();
    const active = 'revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)';
    return this.read('counting keys', async (s) => {
      const row = role
        ? await s.get<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys WHERE ${active} AND role = ?`, [now, role])
        : await s.get<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys WHERE ${active}`, [now]);
      return Number(row?.n ?? 0);
    });
  }

  revokeApiKey(id: string, actor: string): Promise<boolean> {
    return this.write('key revoke', async (tx) => {
      const result = await tx.run('UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL', [
        this.now(),
        id,
      ]);
      if (result.changes > 0) {
        await this.auditIn(tx, actor, 'key.revoke', id);
        await this.publish(tx, 'key', id);
      }
      return result.changes > 0;
    });
  }

  /**
   * Replaces a working key by a new one of the same role and label, returned in clear once. The old key stops
   * working now (`graceMs` 0, the default: revoked) or at the end of the grace period (its expiry is brought
   * forward). The new key's lifetime is `lifetime`, else the old key's lifetime length from now, else none.
   * Refuses a key that is revoked, expired or already rotated (NotFoundError `active key`).
   */
  rotateApiKey(
    id: string,
    actor: string,
    options: { graceMs?: number } & KeyLifetime = {},
  ): Promise<{ key: string; record: ApiKeyRecord; previous: ApiKeyRecord }> {
    return this.write('key rotate', async (tx) => {
      const old = await this.keyRow(tx, id);
      const now = this.now();
      if (
        !old ||
        old.revoked_at_ms !== null ||
        old.rotated_to !== null ||
        (old.expires_at_ms !== null && old.expires_at_ms <= now)
      ) {
        throw new NotFoundError('active key', id);
      }
      const expiresAtMs =
        options.ttlMs !== undefined
          ? now + options.ttlMs
          : options.expiresAtMs !== undefined
            ? options.expiresAtMs
            : old.expires_at_ms !== null
              ? now + (old.expires_at_ms - old.created_at_ms)
              : null;
      const graceMs = Math.max(0, options.graceMs ?? 0);
      const created = await this.insertKey(tx, now, old.role, actor, old.label, expiresAtMs, 'key.rotate', {
        replaces: id,
        graceMs,
      });
      if (graceMs === 0) {
        await tx.run('UPDATE api_keys SET revoked_at_ms = ?, rotated_to = ? WHERE id = ?', [
          now,
          created.record.id,
          id,
        ]);
      } else {
        const until = old.expires_at_ms === null ? now + graceMs : Math.min(old.expires_at_ms, now + graceMs);
        await tx.run('UPDATE api_keys SET expires_at_ms = ?, rotated_to = ? WHERE id = ?', [
          until,
          created.record.id,
          id,
        ]);
      }
      return { ...created, previous: toRecord((await this.keyRow(tx, id))!) };
    });
  }
}
