/**
 * The durability promise: a ticket the API acknowledged (201) survives SIGKILL. Spawns the real built server
 * (`dist/src/service/main.js`, as `npm test` builds before it tests), bursts ticket writes from several concurrent
 * clients, SIGKILLs the process mid-burst, restarts it on the same database and checks every acknowledged ticket.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/service/store/index.js';
import { request } from './helpers.js';

const mainPath = fileURLToPath(new URL('../../dist/src/service/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ilhedge-crash-'));
const dbPath = join(dir, 'desk.sqlite');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainPath, '--port', '0', '--db', dbPath], {
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

describe('crash safety', () => {
  it('keeps every acknowledged ticket through SIGKILL mid-burst and a restart', async () => {
    expect(existsSync(mainPath), `${mainPath} missing: run npm run build first`).toBe(true);
    // The key is created before the server runs (as `ilhedge keys create` would).
    const store = openStore(dbPath);
    const trader = store.createApiKey('trader', 'test').key;
    store.close();
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
  }, 120_000);
});
