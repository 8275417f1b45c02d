/**
 * `ilhedge db migrate|check|backup|restore` on a PostgreSQL store (issue 19, Deliver 4), run in-process as the CLI
 * would: migrate brings a new database to this code's schema; check passes a store the service wrote and finds a
 * row edited behind the triggers' back; a backup restored into an empty database checks clean and holds the same
 * tickets, fills and audit rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCommandInProcess } from '../cli/runCli.js';
import { register as registerDb } from '../../src/cli/commands/db.js';
import { migrations, openStore } from '../../src/service/store/index.js';
import { freshPgUrl } from '../helpers/postgres.js';
import { redactUrl } from '../../src/service/store/pg/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-pg-cli-'));
const cli = (args: string[]) => runCommandInProcess(registerDb, args);
const latest = migrations[migrations.length - 1]!.version;
let url: string;

beforeAll(async () => {
  url = await freshPgUrl('pg_cli');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ticket proposed, approved by another key and filled as ticketed; a key revoked; all through the store. */
async function write(location: string): Promise<void> {
  const store = await openStore(location);
  try {
    const position = await store.createPosition(
      { kind: 'lp', venue: 'deribit', underlying: 'BTC', model: 'v2', price: 75_000, depositValue: 100_000 },
      'test',
    );
    const ticket = await store.createTicket({
      mode: 'dynamic',
      positionIds: [position.id],
      content: { note: 'pg cli' },
      actor: 'key:a',
      legs: [
        {
          venue: 'deribit',
          underlying: 'BTC',
          instrument: 'BTC-PERPETUAL',
          kind: 'perp',
          side: 'sell',
          contracts: 120,
          limitPrice: 75_010,
          feesQuote: 1.5,
          contractSize: null,
          contractValueQuote: 10,
          priceCurrency: 'USD',
        },
      ],
    });
    await store.approveTicket(ticket.id, 'key:b', { fourEyes: true });
    await store.recordTicketFills(ticket.id, null, 'key:b');
    const key = await store.createApiKey('viewer', 'test');
    await store.revokeApiKey(key.record.id, 'test');
  } finally {
    await store.close();
  }
}

describe('ilhedge db on PostgreSQL', () => {
  it('migrates a new database to this schema, and says so', async () => {
    const out = JSON.parse((await cli(['db', 'migrate', '--db', url, '--json'])).stdout);
    expect(out).toMatchObject({ kind: 'postgres', schemaVersion: latest });
    expect(out.store).toBe(redactUrl(url));
  });

  it('checks a store the service wrote as clean, and finds an audit row edited behind the triggers', async () => {
    await write(url);
    const clean = JSON.parse((await cli(['db', 'check', '--db', url, '--json'])).stdout);
    expect(clean.ok).toBe(true);
    expect(clean.counts).toMatchObject({ positions: 1, tickets: 1, fills: 1, keys: 1 });
    const tampered = await freshPgUrl('pg_cli_tampered');
    await write(tampered);
    const client = new pg.Client({ connectionString: tampered });
    await client.connect();
    try {
      // Someone with the database's owner rights: the append-only trigger switched off, a row edited.
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await client.query("UPDATE audit_log SET actor = 'someone else' WHERE action = 'ticket.approved'");
    } finally {
      await client.end();
    }
    const failed = await cli(['db', 'check', '--db', tampered, '--json']).then(
      (r) => JSON.parse(r.stdout),
      (error: { stdout?: string }) => JSON.parse(error.stdout ?? '{}'),
    );
    expect(failed.ok).toBe(false);
    expect(failed.problems.join('\n')).toMatch(/ticket\.approved by someone else\): its content does not match/);
  });

  it('backs up every table in one snapshot and restores it into an empty database that checks clean', async () => {
    const file = join(dir, 'desk.pgbackup');
    const backup = JSON.parse((await cli(['db', 'backup', file, '--db', url, '--json'])).stdout);
    expect(backup.schemaVersion).toBe(latest);
    expect(backup.rows.tickets).toBe(1);
    expect(backup.rows.fills).toBe(1);
    const target = await freshPgUrl('pg_cli_restored');
    const restored = JSON.parse((await cli(['db', 'restore', file, '--db', target, '--json'])).stdout);
    expect(restored.check.ok).toBe(true);
    const source = await openStore(url);
    const copy = await openStore(target);
    try {
      expect((await copy.listTickets()).map((t) => [t.id, t.status, t.contentSha256])).toEqual(
        (await source.listTickets()).map((t) => [t.id, t.status, t.contentSha256]),
      );
      expect(await copy.listHoldings()).toEqual(await source.listHoldings());
      expect((await copy.verifyAuditChain()).headHash).toBe((await source.verifyAuditChain()).headHash);
    } finally {
      await Promise.all([source.close(), copy.close()]);
    }
  });
});
