/**
 * The durability promise: a ticket the API acknowledged (201) survives SIGKILL, and so does every acknowledged fill
 * (ticket fills and hedges entered by hand), each together with the ticket status change it was committed with. Spawns the real built server
 * (`dist/src/service/main.js`, as `npm test` builds before it tests), bursts ticket writes from several concurrent
 * clients, SIGKILLs the process mid-burst, restarts it on the same database and checks every acknowledged ticket,
 * then the whole store (`checkStore`: integrity, the audit hash chain, the ledger and an audit row for every write).
 * faults.test.ts kills a writer at random points of every write path; this test kills the real server.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStore, openStore } from '../../src/service/store/index.js';
import { request } from './helpers.js';

const mainPath = fileURLToPath(new URL('../../dist/src/service/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ilhedge-crash-'));
const dbPath = join(dir, 'desk.sqlite');
const ledgerDbPath = join(dir, 'ledger.sqlite');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startServer(db = dbPath): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainPath, '--port', '0', '--db', db], {
      env: { ...process.env, ILHEDGE_LOG_LEVEL: 'info', ILHEDGE_REPLAY_INTERVAL_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 45_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"service listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${err}`));
    });
  });
}

/** The whole store after the crash and the restart: no problem of any kind. */
async function expectConsistent(path: string): Promise<void> {
  const store = await openStore(path);
  try {
    expect((await checkStore(store)).problems).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('crash safety', () => {
  it('keeps every acknowledged ticket through SIGKILL mid-burst and a restart', async () => {
    expect(existsSync(mainPath), `${mainPath} missing: run npm run build first`).toBe(true);
    // The key is created before the server runs (as `ilhedge keys create` would).
    const store = await openStore(dbPath);
    const trader = (await store.createApiKey('trader', 'test')).key;
    await store.close();
    const auth = { authorization: `Bearer ${trader}`, 'content-type': 'application/json' };

    const first = await startServer();
    const positions = JSON.parse((await request(`${first.url}/api/positions`, 'GET', auth)).text).positions as {
      id: string;
    }[];
    expect(positions.length).toBeGreaterThan(0);

    const acknowledged = new Map<string, { content: unknown; contentSha256: string }>();
    let killed = false;
    let failuresAfterKill = 0;
    const writer = async (n: number) => {
      for (let i = 0; !killed || i < 1; i++) {
        const body = JSON.stringify({
          positionIds: [positions[(n + i) % positions.length]!.id],
          mode: (n + i) % 2 ? 'static' : 'dynamic',
        });
        try {
          const res = await request(`${first.url}/api/tickets`, 'POST', auth, body);
          if (res.status === 201) {
            const ticket = JSON.parse(res.text);
            acknowledged.set(ticket.id, { content: ticket.content, contentSha256: ticket.contentSha256 });
          } else if (!killed) throw new Error(`unexpected ${res.status}: ${res.text}`);
        } catch (error) {
          if (!killed) throw error;
          failuresAfterKill++;
          return;
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, n) => writer(n));
    while (acknowledged.size < 25) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(writers);
    await new Promise((r) => first.child.once('exit', r));
    expect(first.child.signalCode).toBe('SIGKILL');
    // The kill landed mid-burst: requests were in flight and failed.
    expect(failuresAfterKill).toBeGreaterThan(0);

    const second = await startServer();
    for (const [id, expected] of acknowledged) {
      const res = await request(`${second.url}/api/tickets/${id}`, 'GET', auth);
      expect(res.status, `ticket ${id}`).toBe(200);
      const ticket = JSON.parse(res.text);
      expect(ticket.intact).toBe(true);
      expect(ticket.contentSha256).toBe(expected.contentSha256);
      expect(ticket.content).toEqual(expected.content);
      expect(ticket.status).toBe('proposed');
    }
    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    await expectConsistent(dbPath);
  }, 120_000);

  it('keeps every acknowledged fill and manual hedge through SIGKILL mid-burst, each with its status change', async () => {
    expect(existsSync(mainPath), `${mainPath} missing: run npm run build first`).toBe(true);
    const store = await openStore(ledgerDbPath);
    const proposer = (await store.createApiKey('trader', 'test')).key;
    const approver = (await store.createApiKey('trader', 'test')).key;
    await store.close();
    const as = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

    const first = await startServer(ledgerDbPath);
    type Leg = { instrument: string; side: 'buy' | 'sell'; contracts: number; limitPrice: number };
    const tickets: { id: string; legs: Leg[] }[] = [];
    for (let i = 0; i < 3; i++) {
      const proposed = await request(`${first.url}/api/tickets`, 'POST', as(proposer), '{"mode":"dynamic"}');
      expect(proposed.status, proposed.text).toBe(201);
      const id = JSON.parse(proposed.text).id as string;
      const approved = await request(`${first.url}/api/tickets/${id}/approve`, 'POST', as(approver), '{}');
      expect(approved.status, approved.text).toBe(200);
      tickets.push({ id, legs: JSON.parse(approved.text).legs as Leg[] });
    }

    // venueOrderId -> what was acknowledged (each request carries one fill with a unique order id).
    const acknowledged = new Map<string, { ticketId: string | null; instrument: string; contracts: number }>();
    let killed = false;
    let failuresAfterKill = 0;
    let counter = 0;
    const writer = async (n: number) => {
      for (;;) {
        const orderId = `o-${n}-${counter++}`;
        const ticket = tickets[n % tickets.length]!;
        // Writers 0-3 fill tickets a small slice at a time; 4-5 enter hedges by hand.
        const manual = n >= 4;
        const leg = ticket.legs.find((l) => l.instrument === 'BTC-PERPETUAL') ?? ticket.legs[0]!;
        const contracts = leg.instrument === 'BTC-PERPETUAL' ? 1 : Math.min(0.1, leg.contracts / 1000);
        const signed = manual ? 1 : leg.side === 'buy' ? contracts : -contracts;
        const [path, body] = manual
          ? [
              '/api/holdings',
              {
                venue: 'deribit',
                underlying: 'BTC',
                instrument: 'BTC-PERPETUAL',
                contracts: signed,
                entryPrice: 75_000,
                venueOrderId: orderId,
              },
            ]
          : [
              `/api/tickets/${ticket.id}/executed`,
              {
                fills: [
                  { instrument: leg.instrument, contracts: signed, price: leg.limitPrice, venueOrderId: orderId },
                ],
              },
            ];
        try {
          const res = await request(`${first.url}${path}`, 'POST', as(approver), JSON.stringify(body));
          if (res.status === 200 || res.status === 201) {
            acknowledged.set(orderId, {
              ticketId: manual ? null : ticket.id,
              instrument: manual ? 'BTC-PERPETUAL' : leg.instrument,
              contracts: signed,
            });
          } else if (!killed) throw new Error(`unexpected ${res.status}: ${res.text}`);
        } catch (error) {
          if (!killed) throw error;
          failuresAfterKill++;
          return;
        }
        if (killed) return;
      }
    };
    const writers = Array.from({ length: 6 }, (_, n) => writer(n));
    while (acknowledged.size < 40) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(writers);
    await new Promise((r) => first.child.once('exit', r));
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(failuresAfterKill).toBeGreaterThan(0);

    const second = await startServer(ledgerDbPath);
    const holdings = JSON.parse((await request(`${second.url}/api/holdings`, 'GET', as(approver))).text).holdings as {
      instrument: string;
      fills: { venueOrderId: string | null; contracts: number; ticketId: string | null }[];
    }[];
    const stored = new Map(
      holdings.flatMap((h) => h.fills.map((f) => [f.venueOrderId, { ...f, instrument: h.instrument }])),
    );
    for (const [orderId, expected] of acknowledged) {
      expect(stored.get(orderId), `fill ${orderId}`).toMatchObject(expected);
    }
    // Each fill request committed with exactly one status change of its ticket: never a fill without its history
    // entry, never a history entry without its fill.
    for (const ticket of tickets) {
      const got = JSON.parse((await request(`${second.url}/api/tickets/${ticket.id}`, 'GET', as(approver))).text);
      const moves = got.history.filter(
        (h: { from: string }) => h.from === 'approved' || h.from === 'partially-executed',
      );
      expect(moves.length, `ticket ${ticket.id}`).toBe(got.fills.length);
      expect(got.status).toBe(got.fills.length > 0 ? 'partially-executed' : 'approved');
    }
    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    await expectConsistent(ledgerDbPath);
  }, 120_000);
});
