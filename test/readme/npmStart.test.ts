/**
 * `npm start` as the README runs it: the test spawns `npm start` itself from the repository root (so whatever
 * package.json's "start" script says is what runs), waits until the service logs it is ready and `/health`
 * answers, checks the first-run output and the README's two `curl` lines against the running service, and stops
 * it. Only the environment the README documents differs from a user's run: a free port (ILHEDGE_PORT=0) and a
 * database in a temporary directory (ILHEDGE_DB), so the test neither collides with a running desk nor writes
 * into ./data.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReadme, repoRoot } from './readme.js';

let child: ChildProcess;
let dir: string;
let stdout = '';
let stderr = '';
let url: string;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

/** Resolves with the service's URL once the "desk service ready" log line is out; rejects if npm start exits. */
function waitForReady(timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start: no "desk service ready" line in ${timeoutMs} ms\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
    const look = () => {
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{') || !line.endsWith('}')) continue; // not a log line, or one still arriving
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg?.startsWith('desk service ready') && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
          return;
        }
      }
    };
    child.stdout!.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (code ${code}, signal ${signal}) before it was ready\n${stdout}\n${stderr}`));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ilhedge-npm-start-'));
  // detached: npm start is npm -> sh -> node; its own process group lets afterAll stop all three.
  child = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, ILHEDGE_PORT: '0', ILHEDGE_DB: join(dir, 'ilhedge.sqlite'), ILHEDGE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  url = await waitForReady(45_000);
}, 60_000);

afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves /health, prints the first-run key and dashboard URL, answers the README curl lines, and stops on SIGTERM', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);

    // The README's first-run block: the key, shown once, and the dashboard address.
    const key = /^ {2}(ilh_\S+)$/m.exec(stdout)?.[1];
    expect(stdout).toContain('First run: created an admin API key. It is shown only this once; store it now:');
    expect(key, `no admin key printed:\n${stdout}`).toMatch(/^ilh_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    expect(stdout).toContain(`Dashboard: ${url}/dashboard/   API: ${url}/openapi.json`);

    // The README's curl lines, sent to this service: the same keys (the book's numbers move with the replay
    // clock), and the refusal without a key to the character.
    const curls = readReadme().filter((e) => e.command.startsWith('curl '));
    expect(curls.map((c) => c.command)).toEqual([
      'curl -s -H "Authorization: Bearer $KEY" localhost:8080/api/book',
      'curl -s localhost:8080/api/book',
    ]);
    const withKey = await fetch(`${url}/api/book`, { headers: { authorization: `Bearer ${key}` } });
    expect(withKey.status).toBe(200);
    const mismatches = shapeMismatches(readmeJson(curls[0]!.expected[0]!), await withKey.json(), '$');
    expect(mismatches, `GET /api/book no longer has the shape the README prints: ${mismatches.join('; ')}`).toEqual([]);
    const without = await fetch(`${url}/api/book`);
    expect(without.status).toBe(401);
    expect(await without.text()).toBe(curls[1]!.expected[0]);

    process.kill(-child.pid!, 'SIGTERM');
    const exit = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(exit, `npm start did not stop on SIGTERM\n${stderr}`).not.toBe('timeout');
  }, 60_000);
});

/**
 * The README's JSON with its elisions made parseable: `...` among an object's keys (keys left out) becomes a
 * `"..."` key, `...` among an array's elements (elements left out) is dropped.
 */
function readmeJson(text: string): unknown {
  const parseable = text
    .replaceAll(',...]', ']')
    .replaceAll('[...]', '[]')
    .replaceAll('[...,', '[')
    .replaceAll('{...}', '{"...":true}')
    .replaceAll('{...,', '{"...":true,')
    .replaceAll(',...}', ',"...":true}')
    .replaceAll(',...,', ',"...":true,');
  return JSON.parse(parseable);
}

/**
 * Where the real response differs in shape from what the README prints: every key shown must be there with a
 * value of the same kind (numbers move with the replay clock, so values are compared by type; an object may be
 * null), an object shown
 * without `...` must have no other keys, and an array's shown elements are compared with the real ones.
 */
function shapeMismatches(shown: unknown, real: unknown, path: string): string[] {
  if (Array.isArray(shown)) {
    if (!Array.isArray(real)) return [`${path}: the README shows an array, the service sent ${JSON.stringify(real)}`];
    if (real.length < shown.length) return [`${path}: the README shows ${shown.length} elements, got ${real.length}`];
    return shown.flatMap((s, i) => shapeMismatches(s, real[i], `${path}[${i}]`));
  }
  if (shown !== null && typeof shown === 'object') {
    // A field the README shows as an object may be null at another moment of the replay (e.g. no suggestion
    // while the book is inside its band): the field is there, it has nothing in it.
    if (real === null) return [];
    if (typeof real !== 'object' || Array.isArray(real)) {
      return [`${path}: the README shows an object, the service sent ${JSON.stringify(real)}`];
    }
    const s = shown as Record<string, unknown>;
    const r = real as Record<string, unknown>;
    const out = Object.keys(s)
      .filter((k) => k !== '...')
      .flatMap((k) => (k in r ? shapeMismatches(s[k], r[k], `${path}.${k}`) : [`${path}.${k}: missing`]));
    if (!('...' in s)) {
      for (const k of Object.keys(r)) if (!(k in s)) out.push(`${path}.${k}: sent but not in the README`);
    }
    return out;
  }
  return typeof shown === typeof real
    ? []
    : [`${path}: the README shows a ${typeof shown}, got ${JSON.stringify(real)}`];
}
