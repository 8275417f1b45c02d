/**
 * One row in every table of the store's schema (each id prefixed, so a test can insert several sets), written with
 * plain SQL through the SQL interface: for the schema, trigger and backup tests of the PostgreSQL driver, which
 * need rows in every table but not the store's logic.
 */
import type { SqlDatabase } from '../../src/service/store/sql.js';

export async function insertSampleRows(db: SqlDatabase, prefix: string, atMs = 1_764_768_000_000): Promise<void> {
  const p = (id: string) => `${prefix}-${id}`;
  await db.transaction(`sample rows ${prefix}`, async (tx) => {
    await tx.run('INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)', [
      p('position'),
      '{"pair":"ETH/USDC"}',
      atMs,
      atMs,
    ]);
    await tx.run(
      `INSERT INTO tickets (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
         created_at_ms, updated_at_ms, expires_at_ms, legs_json) VALUES (?, 'executed', 'dry-run', ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        p('ticket'),
        `["${p('position')}"]`,
        '{"legs":1}',
        'ab'.repeat(32),
        'key:alice',
        atMs,
        atMs,
        atMs + 60_000,
        '[]',
      ],
    );
    await tx.run(
      `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, actor, note, at_ms)
       VALUES (?, NULL, 'proposed', 'key:alice', 'with a ? inside', ?)`,
      [p('ticket'), atMs],
    );
    await tx.run(
      `INSERT INTO api_keys (id, role, hash_sha256, label, created_at_ms, created_by, expires_at_ms)
       VALUES (?, 'trader', ?, 'desk "quoted" label', ?, 'admin', ?)`,
      [p('key'), 'cd'.repeat(32), atMs, atMs + 86_400_000],
    );
    await tx.run(
      `INSERT INTO audit_log (id, at_ms, actor, action, target, detail_json, prev_hash, row_hash)
       SELECT coalesce(max(id), 0) + 1, ?, 'key:alice', 'ticket.create', ?, ?, 'prev', 'row' FROM audit_log`,
      [atMs, p('ticket'), '{"note":"é ünïcode \\u2603"}'],
    );
    await tx.run(
      `INSERT INTO fills (id, holding_id, at_ms, recorded_at_ms, venue, underlying, instrument, kind, contracts, price,
         fee_quote, venue_order_id, ticket_id, leg_index, scope_json, source, actor, contract_size, price_currency)
       VALUES (?, ?, ?, ?, 'deribit', 'ETH', 'ETH-PERPETUAL', 'perp', ?, ?, ?, NULL, ?, 0, '{}', 'ticket', 'key:alice', 1, 'USD')`,
      [p('fill'), p('holding'), atMs, atMs + 1, -0.1 - 0.2, 3123.456789012345, 0.000123, p('ticket')],
    );
    await tx.run(
      `INSERT INTO execution_orders (id, ticket_id, leg_index, attempt, mode, venue, underlying, instrument, kind, side,
         contracts, limit_price, time_in_force, notional_quote, state, created_by, created_at_ms, updated_at_ms)
       VALUES (?, ?, 0, 0, 'dry-run', 'deribit', 'ETH', 'ETH-PERPETUAL', 'perp', 'sell', 0.3, 3100, 'ioc', 930, 'filled',
         'key:alice', ?, ?)`,
      [p('order'), p('ticket'), atMs, atMs],
    );
    await tx.run(
      `INSERT INTO execution_order_events (order_id, from_state, to_state, filled_contracts, actor, at_ms)
       VALUES (?, 'new', 'filled', 0.3, 'executor', ?)`,
      [p('order'), atMs],
    );
    await tx.run(
      `INSERT INTO execution_fills (venue, venue_trade_id, order_id, contracts, price, fee_quote, at_ms, recorded_at_ms,
         ledger_fill_id) VALUES ('deribit', ?, ?, 0.3, 3123.5, 0.01, ?, ?, ?)`,
      [p('trade'), p('order'), atMs, atMs, p('fill')],
    );
    await tx.run(
      `INSERT INTO execution_control (id, halted, actor, reason, at_ms) VALUES (1, 0, 'admin', NULL, ?)
       ON CONFLICT DO NOTHING`,
      [atMs],
    );
  });
}
