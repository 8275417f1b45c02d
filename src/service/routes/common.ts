/** Helpers every route file shares: JSON safety, 404s, who is acting, typed failures -> HTTP. */
import { HttpError } from '../registry.js';
import { NOT_FOUND } from '../httpErrors.js';
import { actorOf } from '../auth.js';
import type { Principal } from '../auth.js';
import { Store } from '../store/index.js';
import type { StoredTicket } from '../store/index.js';

export function withIntegrity(ticket: StoredTicket) {
  return { ...ticket, intact: Store.verifyTicket(ticket) };
}

/** JSON has no NaN: missing numbers travel as null. */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as T;
}

export function notFound(kind: string, id: string): HttpError {
  return new HttpError(NOT_FOUND, `${kind} ${id} not found`);
}

/** The audit name of whoever made the request. */
export function actor(principal: Principal | null): string {
  return principal ? actorOf(principal) : 'anonymous';
}
