/**
 * API keys with roles. Roles are ordered: an admin may do what a trader may, a trader what a viewer may.
 * viewer: read and stream; trader: tickets; admin: positions and keys.
 * Keys travel as `Authorization: Bearer <key>` (or `?token=` / a `bearer.<key>` subprotocol on the websocket
 * upgrade, which browsers cannot send headers on). No key ever reaches a log: see `redactPaths`.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyRecord, Role, Store } from './store/index.js';

export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 1, trader: 2, admin: 3 };

export function roleAllows(actual: Role, required: Role): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required];
}

/** Pino redaction paths: the key in any header or query string never reaches a log line. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'key',
  'token',
];

/** Strips `token=` from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1[Redacted]');
}

export interface Principal {
  keyId: string;
  role: Role;
}

/** `key:<id>` in audit logs and ticket history: the non-secret key id, never the key. */
export function actorOf(principal: Principal): string {
  return `key:${principal.keyId}`;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string };

/** Extracts the key from the `Authorization` header (`Bearer <key>`). */
export function bearerFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The key for a websocket upgrade: header first, then a `bearer.<key>` subprotocol, then `?token=`. */
export function keyFromUpgrade(req: IncomingMessage): string | undefined {
  const fromHeader = bearerFrom(req.headers.authorization);
  if (fromHeader) return fromHeader;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const fromProtocol = protocols.find((p) => p.startsWith('bearer.'));
  if (fromProtocol) return fromProtocol.slice('bearer.'.length);
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

export class Authenticator {
  /** Verified keys are cached briefly: a SHA-256 and a SELECT per request is cheap, but the ws fan-in is not. */
  private readonly cache = new Map<string, { record: ApiKeyRecord; untilMs: number }>();

  constructor(
    private readonly store: Store,
    private readonly cacheMs = 5_000,
  ) {}

  check(key: string | undefined, required: Role): AuthResult {
    if (!key) return { ok: false, status: 401, message: 'missing API key (Authorization: Bearer <key>)' };
    const record = this.lookup(key);
    if (!record) return { ok: false, status: 401, message: 'invalid or revoked API key' };
    if (!roleAllows(record.role, required)) {
      return { ok: false, status: 403, message: `role ${record.role} may not do this; needs ${required}` };
    }
    return { ok: true, principal: { keyId: record.id, role: record.role } };
  }

  /** Drops cached verifications (after a revoke). */
  invalidate(): void {
    this.cache.clear();
  }

  private lookup(key: string): ApiKeyRecord | null {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.untilMs > now) return hit.record;
    const record = this.store.verifyApiKey(key);
    if (record) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, { record, untilMs: now + this.cacheMs });
    } else {
      this.cache.delete(key);
    }
    return record;
  }

  /** Express middleware requiring `role`; sets `res.locals.principal`. */
  require(role: Role) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const result = this.check(bearerFrom(req.headers.authorization), role);
      if (!result.ok) {
        if (result.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
        res
          .status(result.status)
          .json({ error: result.status === 401 ? 'unauthorized' : 'forbidden', message: result.message });
        return;
      }
      res.locals.principal = result.principal;
      next();
    };
  }
}
