/**
 * API keys with roles. Roles are ordered: an admin may do what a trader may, a trader what a viewer may.
 * viewer: read and stream; trader: tickets; admin: positions and keys.
 * Keys travel as `Authorization: Bearer <key>` (or `?token=` / a `bearer.<key>` subprotocol on the websocket
 * upgrade, which browsers cannot send headers on). No key ever reaches a log: see `redactPaths`.
 * Keys expire and are rotated in the store (store/keys.ts); each key's HTTP requests pass a token bucket
 * (`RateLimiter`): past it, 429 `rate-limited` with `Retry-After`.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { IlhedgeError, defineError, MS_PER_SECOND } from '../../hedging/index.js';
import type { ApiKeyRecord, Role, Store } from './store/index.js';

export const RATE_LIMITED = defineError(
  'rate-limited',
  429,
  'a key sent more requests than its rate limit (a token bucket per key); `Retry-After` says when to retry',
);

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

/**
 * Strips `token=` from a URL before it is logged, and the secret of any whole key pasted into it (a path such as
 * `DELETE /api/keys/<key>`): the non-secret id stays, so the line still says which key.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&]token=)[^&]*/gi, '$1[Redacted]')
    .replace(/(ilh_[a-z0-9]{10}_)[A-Za-z0-9_-]{43}/g, '$1[Redacted]');
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

/** A token bucket per key: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

/** A key over its rate limit: 429 `rate-limited`, retry after `retryAfterS` seconds. */
export class RateLimitedError extends IlhedgeError {
  static override readonly definition = RATE_LIMITED;
  constructor(
    readonly keyId: string,
    readonly retryAfterS: number,
    limit: RateLimit,
  ) {
    super(
      `key ${keyId}: over its rate limit (${limit.perSecond} requests/s, bursts of ${limit.burst}); retry after ${retryAfterS} s`,
    );
  }
}

/**
 * The default per-key limit: generous for a desk's clients and scripts (the dashboard polls a few routes a
 * second), low enough that a runaway client cannot monopolise the service.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 1_000, perSecond: 100 };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    public limit: RateLimit = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `id`: 0 when allowed, else the whole seconds to wait before one is available. */
  take(id: string): number {
    const now = this.now();
    const { burst, perSecond } = this.limit;
    const bucket = this.buckets.get(id) ?? { tokens: burst, atMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.atMs) / MS_PER_SECOND) * perSecond);
    bucket.atMs = now;
    if (this.buckets.size > 10_000 && !this.buckets.has(id)) this.prune(now);
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Forgets buckets that have refilled completely (they would start full anyway). */
  private prune(now: number): void {
    const { burst, perSecond } = this.limit;
    for (const [id, b] of this.buckets) {
      if (b.tokens + ((now - b.atMs) / MS_PER_SECOND) * perSecond >= burst) this.buckets.delete(id);
    }
  }
}

const UNUSABLE: Readonly<Record<'invalid' | 'revoked' | 'expired', string>> = {
  invalid: 'invalid API key',
  revoked: 'API key revoked (rotated or revoked by an admin); use its replacement',
  expired: 'API key expired; ask an admin for a new one (ilhedge keys rotate)',
};

export class Authenticator {
  /** Verified keys are cached briefly: a SHA-256 and a SELECT per request is cheap, but the ws fan-in is not. */
  private readonly cache = new Map<string, { record: ApiKeyRecord; untilMs: number }>();
  /** Per-key request budget of the HTTP routes (the websocket upgrade is bounded by the stream's client limit); replace it to change the limit or its clock. */
  rateLimiter: RateLimiter;

  constructor(
    private readonly store: Store,
    private readonly cacheMs = 5_000,
    options: { rateLimit?: RateLimit; now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.rateLimiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, this.now);
  }

  private readonly now: () => number;

  async check(key: string | undefined, required: Role): Promise<AuthResult> {
    if (!key) return { ok: false, status: 401, message: 'missing API key (Authorization: Bearer <key>)' };
    const record = await this.lookup(key);
    if (!record) {
      const status = (await this.store.apiKeyStatus(key)).status;
      return { ok: false, status: 401, message: UNUSABLE[status === 'valid' ? 'invalid' : status] };
    }
    if (!roleAllows(record.role, required)) {
      return { ok: false, status: 403, message: `role ${record.role} may not do this; needs ${required}` };
    }
    return { ok: true, principal: { keyId: record.id, role: record.role } };
  }

  /** Drops cached verifications (after a revoke or rotation here or, on a shared database, on another instance). */
  invalidate(): void {
    this.cache.clear();
  }

  private async lookup(key: string): Promise<ApiKeyRecord | null> {
    const now = this.now();
    const hit = this.cache.get(key);
    // A cached key is used until its cache time or its expiry, whichever comes first.
    if (hit && hit.untilMs > now && (hit.record.expiresAtMs === null || hit.record.expiresAtMs > now)) {
      return hit.record;
    }
    const record = await this.store.verifyApiKey(key);
    if (record) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, { record, untilMs: now + this.cacheMs });
    } else {
      this.cache.delete(key);
    }
    return record;
  }

  /**
   * Express middleware requiring `role`; sets `res.locals.principal`. A key past its rate limit gets 429
   * `rate-limited` with `Retry-After` (seconds), before the handler runs.
   */
  require(role: Role) {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.check(bearerFrom(req.headers.authorization), role).then(
        (result) => this.admit(result, res, next),
        // A database failure while checking the key goes to the error handler (a coded 503), not an unhandled rejection.
        (error: unknown) => next(error),
      );
    };
  }

  private admit(result: AuthResult, res: Response, next: NextFunction): void {
    if (!result.ok) {
      if (result.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      res
        .status(result.status)
        .json({ error: result.status === 401 ? 'unauthorized' : 'forbidden', message: result.message });
      return;
    }
    res.locals.principal = result.principal;
    const waitS = this.rateLimiter.take(result.principal.keyId);
    if (waitS > 0) {
      const limited = new RateLimitedError(result.principal.keyId, waitS, this.rateLimiter.limit);
      res.setHeader('Retry-After', String(waitS));
      res.status(limited.httpStatus).json({ error: limited.code, message: limited.message });
      return;
    }
    next();
  }
}
