/**
 * Leader election by advisory lock (src/service/store/pg/leader.ts) against a real server: of two electors exactly
 * one leads; when the leader's backend is killed or the leader closes, the other takes over within its retry period.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/service/store/pg/leader.js';
import { adminQuery, freshPgUrl } from '../helpers/postgres.js';

const RETRY_MS = 200;

describe('LeaderElector', () => {
  let url: string;
  const electors: LeaderElector[] = [];
  const elector = () => {
    const e = new LeaderElector(url, { retryMs: RETRY_MS });
    electors.push(e);
    return e;
  };

  beforeAll(async () => {
    url = await freshPgUrl('leader');
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.close()));
  });

  it('elects exactly one of two, and the other takes over within the retry period when its backend is killed', async () => {
    const [a, b] = [elector(), elector()];
    const heard = new Map<LeaderElector, boolean[]>([
      [a, []],
      [b, []],
    ]);
    for (const [e, log] of heard) e.onChange((leader) => log.push(leader));
    const started = await Promise.all([a.start(), b.start()]);
    expect(started.filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    // A follower keeps retrying, and keeps losing while the leader lives.
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 3));
    expect([leader.isLeader(), follower.isLeader()]).toEqual([true, false]);

    const [row] = await adminQuery<{ killed: boolean }>('SELECT pg_terminate_backend($1) AS killed', [
      leader.backendPid,
    ]);
    expect(row?.killed).toBe(true);
    const killedAt = Date.now();
    await expect.poll(() => follower.isLeader(), { timeout: 5_000, interval: 10 }).toBe(true);
    // Within one retry period, plus the server's cleanup of the killed session and a slow machine's scheduling.
    expect(Date.now() - killedAt).toBeLessThan(RETRY_MS + 1_000);
    // The old leader reconnects and competes again, as a follower now.
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 3));
    expect(leader.isLeader()).toBe(false);
    // Each heard its own changes: the old leader lost at once, the follower won once.
    expect(heard.get(leader)).toEqual([true, false]);
    expect(heard.get(follower)).toEqual([true]);
  });

  it('hands leadership over when the leader closes', async () => {
    const first = elector();
    expect(await first.start()).toBe(true);
    const second = elector();
    expect(await second.start()).toBe(false);
    await first.close();
    const closedAt = Date.now();
    expect(first.isLeader()).toBe(false);
    await expect.poll(() => second.isLeader(), { timeout: 5_000, interval: 10 }).toBe(true);
    expect(Date.now() - closedAt).toBeLessThan(RETRY_MS + 1_000);
  });

  it('runs separate elections under separate keys', async () => {
    const one = new LeaderElector(url, { retryMs: RETRY_MS, key: '101' });
    const other = new LeaderElector(url, { retryMs: RETRY_MS, key: '102' });
    electors.push(one, other);
    expect(await Promise.all([one.start(), other.start()])).toEqual([true, true]);
  });
});
