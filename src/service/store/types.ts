/**
 * The store's vocabulary: roles, ticket statuses and their enforced transitions, the records the store returns and
 * the rows it reads, and the small pure helpers (key format, canonical JSON, hashes) its parts share.
 */
import { createHash } from 'node:crypto';
import type { ContractTerms, Fill, HeldKind } from '../../../hedging/ledger.js';
import type { Venue } from '../../../adapters/model.js';

export const ROLES = ['viewer', 'trader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TICKET_STATUSES = [
  'proposed',
  'approved',
  'rejected',
  'expired',
  'partially-executed',
  'executed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/**
 * Enforced ticket transitions: anything else is a conflict. `partially-executed -> partially-executed` is a further
 * partial fill; the executed states are reached only through `recordTicketFills` (the fills decide which one).
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  proposed: ['approved', 'rejected', 'expired'],
  approved: ['partially-executed', 'executed'],
  'partially-executed': ['partially-executed', 'executed'],
  rejected: [],
  expired: [],
  executed: [],
};

/** A ticket leg as the ledger fills it: what to trade and the contract terms its fills carry. */
export interface StoredTicketLeg extends ContractTerms {
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  side: 'buy' | 'sell';
  /** Unsigned contracts the leg asks for. */
  contracts: number;
  /** Limit price, price currency: what "filled as ticketed" fills at. */
  limitPrice: number;
  /** The leg's estimated venue fees for all its contracts, USD (pro-rated onto "filled as ticketed" fills). */
  feesQuote: number;
}

/** Approval settings a ticket was proposed under (the policy's `approval` section). */
export interface TicketApproval {
  ttlMinutes: number;
  /** Approval re-prices the ticket and refuses it when the price moved more than this fraction. */
  maxPriceMoveFraction: number;
}

export interface StoredTicketLegState extends StoredTicketLeg {
  filledContracts: number;
  remainingContracts: number;
}

export interface TicketHistoryEntry {
  from: TicketStatus | null;
  to: TicketStatus;
  actor: string;
  note: string | null;
  atMs: number;
}

export interface StoredTicket {
  id: string;
  status: TicketStatus;
  mode: string;
  positionIds: string[];
  content: Record<string, unknown>;
  contentSha256: string;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** Proposed tickets past this time can no longer be approved (null: tickets from before expiry existed). */
  expiresAtMs: number | null;
  /** The proposal request, kept so approval can re-price it (null for tickets from before the ledger). */
  request: Record<string, unknown> | null;
  approval: TicketApproval | null;
  /** The legs with what is filled so far (null for tickets from before the ledger). */
  legs: StoredTicketLegState[] | null;
  fills: Fill[];
  history: TicketHistoryEntry[];
}

export interface ApiKeyRecord {
  id: string;
  role: Role;
  label: string | null;
  createdAtMs: number;
  createdBy: string;
  revokedAtMs: number | null;
  /** The key stops working at this time (UTC ms); null: it never expires. */
  expiresAtMs: number | null;
  /** The id of the key that replaced this one (`rotateApiKey`), or null. */
  rotatedTo: string | null;
}

export interface AuditEntry {
  id: number;
  atMs: number;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  /** sha256 hex of the previous row's `rowHash` and this row's stored fields (see `auditRowHash`). */
  rowHash: string;
}

export const KEY_PREFIX = 'ilh';

/** A key is `ilh_<id>_<secret>`: the id is a short non-secret handle stored in clear, the whole key only hashed. */
export function parseApiKey(key: string): { id: string } | null {
  const match = /^ilh_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { id: match[1]! } : null;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Canonical JSON (sorted keys) so a ticket's checksum is independent of key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface StoreOptions {
  /** `:memory:` for tests that need no file. */
  path: string;
  now?: () => number;
  /** How long a write waits for another connection's lock before it is refused (default 5000 ms). */
  busyTimeoutMs?: number;
}

export interface ApiKeyRow {
  id: string;
  role: Role;
  hash_sha256: string;
  label: string | null;
  created_at_ms: number;
  created_by: string;
  revoked_at_ms: number | null;
  expires_at_ms: number | null;
  rotated_to: string | null;
}

export interface AuditRow {
  id: number;
  at_ms: number;
  actor: string;
  action: string;
  target: string | null;
  detail_json: string | null;
  prev_hash: string;
  row_hash: string;
}

/** The `prev_hash` of the first audit row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * One audit row's link in the hash chain: sha256 of the previous row's hash, a newline and the JSON array of the
 * row's stored fields (id, time, actor, action, target, detail JSON as stored). Editing any field of any row, or
 * deleting or reordering rows, breaks the chain from that row on.
 */
export function auditRowHash(
  prevHash: string,
  row: Pick<AuditRow, 'id' | 'at_ms' | 'actor' | 'action' | 'target' | 'detail_json'>,
): string {
  return sha256Hex(
    `${prevHash}\n${JSON.stringify([row.id, row.at_ms, row.actor, row.action, row.target, row.detail_json])}`,
  );
}

export interface TicketRow {
  id: string;
  status: TicketStatus;
  mode: string;
  position_ids_json: string;
  content_json: string;
  content_sha256: string;
  created_by: string;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number | null;
  request_json: string | null;
  legs_json: string | null;
  approval_json: string | null;
}

export interface FillRow {
  seq: number;
  id: string;
  holding_id: string;
  at_ms: number;
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  contracts: number;
  price: number;
  fee_quote: number;
  venue_order_id: string | null;
  ticket_id: string | null;
  leg_index: number | null;
  scope_json: string;
  source: Fill['source'];
  actor: string;
  contract_size: number | null;
  contract_value_quote: number | null;
  price_currency: string;
}

/** A hedge entered by hand (or from the config): one fill outside any ticket. */
export interface ManualHoldingInput extends ContractTerms {
  venue: Venue;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  contracts: number;
  price: number;
  feeQuote?: number;
  atMs?: number;
  scope?: string[];
  venueOrderId?: string | null;
  source?: 'manual' | 'config';
}

export interface PositionRow {
  id: string;
  spec_json: string;
  version: number;
  created_at_ms: number;
  updated_at_ms: number;
}
