/**
 * Claims across instances (src/service/store/pg/claims.ts) against a real server: one holder per name among two
 * instances and within one, a release lets the other claim, and a claim whose instance's session dies is free again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDatabase } from '../../src/service/store/pg/driver.js';
import type { PgDatabase } from '../../src/service/store/pg/driver.js';
import { adminQuery, freshPgUrl } from '../helpers/postgres.js';

describe('PgDatabase.claim', () => {
  let a: PgDatabase;
  let b: PgDatabase;

  beforeAll(async () => {
    const url = await freshPgUrl('claims');
    a = await openPgDatabase(url, { poolSize: 2 });
    b = await openPgDatabase(url, { poolSize: 2 });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('gives a name to one holder among instances and within one, until it is released', async () => {
    const release = await a.claim('execution:t-1');
    expect(release).toBeTypeOf('function');
    expect(await b.claim('execution:t-1')).toBeNull();
    // Re-entrant at the server for one session, refused here all the same.
    expect(await a.claim('execution:t-1')).toBeNull();
    // Another name is another claim.
    const other = await b.claim('execution:t-2');
    expect(other).toBeTypeOf('function');
    await release!();
    await release!(); // a second release is a no-op
    const taken = await b.claim('execution:t-1');
    expect(taken).toBeTypeOf('function');
    expect(await a.claim('execution:t-1')).toBeNull();
    await taken!();
    await other!();
  });

  it("frees an instance's claims when its session dies", async () => {
    const held = await a.claim('execution:t-3');
    expect(held).toBeTypeOf('function');
    expect(await b.claim('execution:t-3')).toBeNull();
    await adminQuery('SELECT pg_terminate_backend($1)', [a.claimsBackendPid]);
    await expect.poll(() => b.claim('execution:t-3').then((r) => r !== null), { timeout: 5_000 }).toBe(true);
    // The old holder's release is harmless, and a new claim of it by `a` opens a new session.
    await held!();
    expect(await a.claim('execution:t-3')).toBeNull();
  });
});
