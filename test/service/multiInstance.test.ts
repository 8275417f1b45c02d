/**
 * Several service instances on one PostgreSQL store (issue 19): two real services on loopback, one database. A
 * change made through one reaches the other's book within a second (LISTEN/NOTIFY); a ticket's transitions are safe
 * when both instances try the same one at once; one instance leads, and the other takes over when it goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgUrl } from '../helpers/postgres.js';
import { startTestService, type Json, type TestService } from './helpers.js';

let url: string;
let a: TestService;
let b: TestService;

/** Polls `read` until `done` holds (or 5 s pass), returning the last value read and how long it took. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - start < 5_000) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return { value, ms: Date.now() - start };
}

async function book(t: TestService): Promise<Json> {
  const r = await t.call('GET', '/api/book', { key: t.keys.viewer });
  expect(r.status).toBe(200);
  return r.json.book.byUnderlying['deribit/BTC'];
}

async function proposeDynamic(t: TestService): Promise<Json> {
  const r = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
  expect(r.status).toBe(201);
  return r.json;
}

beforeAll(async () => {
  url = await freshPgUrl('multi_instance');
  a = await startTestService({ dbPath: url, leaderRetryMs: 200 });
  b = await startTestService({ dbPath: url, leaderRetryMs: 200 });
});

afterAll(async () => {
  await Promise.allSettled([a?.handle.close(), b?.handle.close()]);
});

describe('two instances on one PostgreSQL store', () => {
  it("serve the same positions: the second instance seeds nothing and lists the first one's", async () => {
    expect(a.handle.seeded).toBe(2);
    expect(b.handle.seeded).toBe(0);
    const listed = async (t: TestService) =>
      ((await t.call('GET', '/api/positions')).json.positions as { id: string }[]).map((p) => p.id).sort();
    expect(await listed(b)).toEqual(await listed(a));
  });

  it("carry a position created through one into the other's book within a second", async () => {
    const before = (await b.call('GET', '/api/positions')).json.positions.length as number;
    const created = await a.call('POST', '/api/positions', {
      body: { kind: 'lp', label: 'made on A', model: 'v2', price: 75_800, depositValue: 100_000 },
    });
    expect(created.status).toBe(201);
    const seen = await until(
      async () => (await b.call('GET', '/api/book', { key: b.keys.viewer })).json,
      (body: Json) => (body.positions as Json[]).some((p) => p.positionId === created.json.id),
    );
    const onB = (await b.call('GET', '/api/positions')).json.positions as { id: string }[];
    expect(onB.length).toBe(before + 1);
    expect(onB.map((p) => p.id)).toContain(created.json.id);
    expect(seen.ms).toBeLessThan(1_000);
  });

  it('let exactly one of two simultaneous approvals of a ticket succeed, whichever instance takes it', async () => {
    const ticket = await proposeDynamic(a);
    const approve = (t: TestService, key: string) =>
      t.call('POST', `/api/tickets/${ticket.id}/approve`, { key, body: {} });
    // Both approvers are different keys than the proposer (A's trader), so four-eyes does not decide it.
    const [onA, onB] = await Promise.all([approve(a, a.keys.admin), approve(b, b.keys.trader)]);
    const statuses = [onA.status, onB.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = onA.status === 409 ? onA : onB;
    expect(loser.json.error).toBe('conflict');
    const stored = (await b.call('GET', `/api/tickets/${ticket.id}`)).json;
    expect(stored.status).toBe('approved');
    expect(stored.history.filter((h: Json) => h.to === 'approved')).toHaveLength(1);
  });

  it("book fills recorded through one instance into the other's holdings and net book within a second", async () => {
    const ticket = await proposeDynamic(a);
    expect(ticket.legs.length).toBeGreaterThan(0);
    expect((await b.call('POST', `/api/tickets/${ticket.id}/approve`, { key: b.keys.trader, body: {} })).status).toBe(
      200,
    );
    const netBefore = (await book(b)).holdings.delta as number;
    const filled = await a.call('POST', `/api/tickets/${ticket.id}/executed`, { key: a.keys.admin });
    expect(filled.status).toBe(200);
    expect(filled.json.status).toBe('executed');
    const netOnA = (await book(a)).holdings.delta as number;
    expect(netOnA).not.toBeCloseTo(netBefore, 6);
    const seen = await until(
      async () => (await book(b)).holdings.delta as number,
      (delta) => Math.abs(delta - netOnA) <= 1e-9 * Math.max(1, Math.abs(netOnA)),
    );
    expect(seen.value).toBeCloseTo(netOnA, 9);
    expect(seen.ms).toBeLessThan(1_000);
    const holdingsOnB = (await b.call('GET', '/api/holdings?open=true')).json.holdings as Json[];
    const holdingsOnA = (await a.call('GET', '/api/holdings?open=true')).json.holdings as Json[];
    expect(holdingsOnB.map((h) => [h.id, h.netContracts]).sort()).toEqual(
      holdingsOnA.map((h) => [h.id, h.netContracts]).sort(),
    );
  });

  it('stop a key revoked through one instance on the other at once', async () => {
    const created = await a.call('POST', '/api/keys', { body: { role: 'viewer', label: 'revoked across' } });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect((await b.call('GET', '/api/positions', { key })).status).toBe(200);
    expect((await a.call('DELETE', `/api/keys/${created.json.id}`)).status).toBe(204);
    const seen = await until(
      async () => (await b.call('GET', '/api/positions', { key })).status,
      (status) => status === 401,
    );
    expect(seen.value).toBe(401);
    expect(seen.ms).toBeLessThan(1_000);
  });

  it('elect one leader, reported by /ready, and hand leadership over when the leader stops', async () => {
    const ready = async (t: TestService) => (await t.call('GET', '/ready', { key: t.keys.viewer })).json.store;
    const [ra, rb] = [await ready(a), await ready(b)];
    expect(ra.kind).toBe('postgres');
    expect(ra.location).not.toMatch(/:[^:@/]+@/);
    expect([ra.leader, rb.leader].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = ra.leader ? [a, b] : [b, a];
    await leader.handle.close();
    const taken = await until(
      async () => (await ready(follower)).leader as boolean,
      (leads) => leads,
    );
    expect(taken.value).toBe(true);
    // The survivor keeps serving the shared book.
    expect((await follower.call('GET', '/api/holdings')).status).toBe(200);
  });
});
