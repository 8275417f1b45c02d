/**
 * Failover of the desk on PostgreSQL (issue 19, Done-when 2): two built services (`ilhedge serve`, child processes)
 * on one database under a steady load of tickets and fills sent to both; one of them SIGKILLed at a random moment,
 * five times over, and started again. Every write an instance acknowledged (a 2xx answer) must be in the store
 * afterwards, no ticket may be executed twice (each ticket's `executed` is sent to both instances at once), the
 * leadership moves to the survivor when the leader is killed, and the store passes its full consistency check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStore, openStore, type Store } from '../../src/service/store/index.js';
import { freshPgUrl } from '../helpers/postgres.js';
import { spawnService, type ChildService } from '../helpers/childService.js';
import { request, type Json } from './helpers.js';

const KILLS = 5;

let url: string;
let store: Store;
const keys: { admin: string; traderA: string; traderB: string } = { admin: '', traderA: '', traderB: '' };
const live: (ChildService | null)[] = [null, null];

/** Deterministic "random" moments (a seeded LCG), so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

async function start(slot: number): Promise<ChildService> {
  const svc = await spawnService(['--port', '0', '--db', url], { ILHEDGE_REPLAY_INTERVAL_MS: '3600000' });
  live[slot] = svc;
  return svc;
}

/** One API call to an instance; null when the instance did not answer (killed, refused, reset). */
async function call(
  svc: ChildService,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; json: Json } | null> {
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await request(svc.url + path, method, headers, body === undefined ? undefined : JSON.stringify(body));
    let json: Json = null;
    try {
      json = JSON.parse(r.text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, json };
  } catch {
    return null;
  }
}

beforeAll(async () => {
  url = await freshPgUrl('failover');
  store = await openStore(url);
  keys.admin = (await store.createApiKey('admin', 'test')).key;
  keys.traderA = (await store.createApiKey('trader', 'test', 'trader A')).key;
  keys.traderB = (await store.createApiKey('trader', 'test', 'trader B')).key;
  await Promise.all([start(0), start(1)]);
}, 120_000);

afterAll(async () => {
  for (const svc of live) svc?.child.kill('SIGKILL');
  await store?.close();
});

describe('two instances, one PostgreSQL store, SIGKILL of one at random moments', () => {
  it('loses no acknowledged write, executes no ticket twice, moves the leader, and stays consistent', async () => {
    const random = lcg(19);
    /** What the instances acknowledged: ticket ids by the status they acknowledged last. */
    const acknowledged = new Map<string, 'proposed' | 'approved' | 'executed'>();
    const executedAcks = new Map<string, number>();
    const holdingsEntered: string[] = [];
    let stop = false;
    let leaderMoves = 0;

    const pick = () => {
      const up = live.filter((s): s is ChildService => s !== null);
      return up[Math.floor(random() * up.length)] ?? null;
    };

    // The load: propose on one instance, approve on another key, execute on BOTH at once; a manual entry now and then.
    const load = (async () => {
      while (!stop) {
        const a = pick();
        if (!a) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const proposed = await call(a, 'POST', '/api/tickets', keys.traderA, { mode: 'dynamic' });
        if (proposed?.status !== 201) continue;
        const id = proposed.json.id as string;
        acknowledged.set(id, 'proposed');
        const b = pick();
        if (!b) continue;
        const approved = await call(b, 'POST', `/api/tickets/${id}/approve`, keys.traderB, {});
        if (approved?.status !== 200) continue;
        acknowledged.set(id, 'approved');
        const both = live.filter((s): s is ChildService => s !== null);
        const results = await Promise.all(both.map((s) => call(s, 'POST', `/api/tickets/${id}/executed`, keys.admin)));
        const ok = results.filter((r) => r?.status === 200).length;
        if (ok > 0) acknowledged.set(id, 'executed');
        executedAcks.set(id, ok);
        if (random() < 0.3) {
          const entry = await call(pick() ?? a, 'POST', '/api/holdings', keys.traderA, {
            venue: 'deribit',
            underlying: 'BTC',
            instrument: 'BTC-PERPETUAL',
            contracts: 10,
            entryPrice: 75_000,
          });
          if (entry?.status === 201) holdingsEntered.push(entry.json.fills.at(-1).id as string);
        }
      }
    })();

    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + random() * 1_200));
      const leads = async (svc: ChildService) =>
        (await call(svc, 'GET', '/ready', keys.admin))?.json?.store?.leader === true;
      // The first kill is of the leader (so the takeover is tested every run); the others fall where they fall.
      const slot = k === 0 ? ((await leads(live[0]!)) ? 0 : 1) : random() < 0.5 ? 0 : 1;
      const victim = live[slot]!;
      const survivor = live[1 - slot]!;
      const victimLed = await leads(victim);
      victim.child.kill('SIGKILL');
      live[slot] = null;
      await new Promise<void>((r) => (victim.child.exitCode !== null ? r() : victim.child.once('exit', () => r())));
      if (victimLed) {
        // The survivor takes the leader's lock once the dead session ends.
        const until = Date.now() + 15_000;
        let took = false;
        while (!took && Date.now() < until) {
          took = await leads(survivor);
          if (!took) await new Promise((r) => setTimeout(r, 100));
        }
        expect(took).toBe(true);
        leaderMoves++;
      }
      await start(slot);
    }
    stop = true;
    await load;

    // Every acknowledged write is in the store, at least as far as it was acknowledged.
    const order = { proposed: 0, approved: 1, 'partially-executed': 2, executed: 2, rejected: 3, expired: 3 };
    expect(acknowledged.size).toBeGreaterThan(KILLS);
    for (const [id, status] of acknowledged) {
      const ticket = await store.getTicket(id);
      expect(ticket, `acknowledged ticket ${id}`).not.toBeNull();
      if (status === 'executed') expect(ticket!.status).toBe('executed');
      else expect(order[ticket!.status]).toBeGreaterThanOrEqual(order[status]);
    }
    // No double execution: at most one instance acknowledged each `executed`, and each leg was filled once.
    for (const [id, oks] of executedAcks) {
      expect(oks, `ticket ${id} executed ${oks} times`).toBeLessThanOrEqual(1);
      const ticket = (await store.getTicket(id))!;
      if (ticket.status === 'executed') {
        for (const leg of ticket.legs ?? []) expect(leg.filledContracts).toBeCloseTo(leg.contracts, 9);
        expect(ticket.history.filter((h) => h.to === 'executed')).toHaveLength(1);
      }
    }
    const fillIds = new Set((await store.listFills()).map((f) => f.id));
    for (const id of holdingsEntered) expect(fillIds.has(id), `acknowledged fill ${id}`).toBe(true);
    const report = await checkStore(store);
    expect(report.problems).toEqual([]);
    expect(leaderMoves).toBeGreaterThanOrEqual(1);
    // The two instances serve the same book from the shared ledger.
    const [a, b] = live as ChildService[];
    const holdings = async (svc: ChildService) =>
      ((await call(svc, 'GET', '/api/holdings', keys.admin))!.json.holdings as Json[])
        .map((h) => `${h.id}:${h.netContracts}`)
        .sort();
    expect(await holdings(a!)).toEqual(await holdings(b!));
  }, 240_000);
});
