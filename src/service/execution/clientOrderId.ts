/**
 * Deterministic client order ids: the same ticket, leg and attempt always give the same id, so a retry after a crash
 * or a timeout looks the order up at the venue by it instead of placing it again, and a new attempt (a re-price)
 * always gets a new one. Deribit carries it as the order's `label` (at most 64 characters, `private/buy`'s
 * parameter; ccxt 4.5.84 passes `label` through as a parameter and does not map `clientOrderId` for Deribit:
 * `parseOrder` sets `clientOrderId: undefined`, so the id is read back from `info.label`).
 *
 * Format: `ilh.<ticket>.<leg>.<attempt>` (live and testnet) or `ilhd.` (dry-run, so a rehearsal never shares an id
 * with a real order), where `<ticket>` is the ticket id without dashes when it is a UUID, else the first 32 hex
 * digits of its SHA-256.
 */
import { createHash } from 'node:crypto';

export const DERIBIT_LABEL_MAX_CHARS = 64;
export const CLIENT_ORDER_ID_PREFIX = 'ilh';
export const DRY_RUN_CLIENT_ORDER_ID_PREFIX = 'ilhd';
const MAX_LEG = 999;
const MAX_ATTEMPT = 999;

export interface ClientOrderIdParts {
  ticketKey: string;
  legIndex: number;
  attempt: number;
  dryRun: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ticket part of the id: a UUID without its dashes (32 characters), anything else hashed to 32 hex digits. */
export function ticketKey(ticketId: string): string {
  if (typeof ticketId !== 'string' || ticketId.length === 0) {
    throw new RangeError(`ticketId: must be a non-empty string (got ${JSON.stringify(ticketId)})`);
  }
  if (UUID.test(ticketId)) return ticketId.replace(/-/g, '').toLowerCase();
  return createHash('sha256').update(ticketId, 'utf8').digest('hex').slice(0, 32);
}

function checkIndex(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${field}: must be an integer from 0 to ${max} (got ${String(value)})`);
  }
}

export function clientOrderId(ticketId: string, legIndex: number, attempt: number, options: { dryRun?: boolean } = {}) {
  checkIndex('legIndex', legIndex, MAX_LEG);
  checkIndex('attempt', attempt, MAX_ATTEMPT);
  const prefix = options.dryRun ? DRY_RUN_CLIENT_ORDER_ID_PREFIX : CLIENT_ORDER_ID_PREFIX;
  const id = `${prefix}.${ticketKey(ticketId)}.${legIndex}.${attempt}`;
  // 4 + 1 + 32 + 1 + 3 + 1 + 3 = 45 at most: well inside Deribit's label.
  if (id.length > DERIBIT_LABEL_MAX_CHARS) throw new RangeError(`client order id ${id} is over 64 characters`);
  return id;
}

/** The parts of an id this module made, or null for any other label (orders placed by hand or by other tools). */
export function parseClientOrderId(id: string): ClientOrderIdParts | null {
  const match = /^(ilhd?)\.([0-9a-f]{32})\.(\d{1,3})\.(\d{1,3})$/.exec(id);
  if (!match) return null;
  return {
    dryRun: match[1] === DRY_RUN_CLIENT_ORDER_ID_PREFIX,
    ticketKey: match[2]!,
    legIndex: Number(match[3]),
    attempt: Number(match[4]),
  };
}
