/**
 * API key security: expiry (in the store, over HTTP, through the verification cache), rotation with and without a
 * grace period, the `ilhedge keys` commands, the per-key rate limit (token bucket; 429 with Retry-After), and no
 * secret in any log line or error body: a service is run with its logs captured at trace level while every key
 * created is used in every way a key travels (header, `?token=`, websocket header, subprotocol and query), wrongly
 * (revoked, expired, one character off, pasted into a path), and the captured logs, the audit log and every
 * response body but the creating ones are scanned for each key and each secret.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommandInProcess } from '../cli/runCli.js';
import WebSocket from 'ws';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import { RateLimiter, redactUrl } from '../../src/service/auth.js';
import { createLogger } from '../../src/service/server.js';
import { NotFoundError, checkStore, openStore } from '../../src/service/store/index.js';
import { startTestService } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MINUTE = 60_000;

describe('key expiry and rotation (store)', () => {
  it('expires a key at its time: verify, status and the active count follow the clock', async () => {
    let now = Date.UTC(2026, 11, 3);
    const store = await openStore(await testStoreLocation('keys'), () => now);
    const { key, record } = await store.createApiKey('trader', 'test', 'short', { ttlMs: 10 * MINUTE });
    expect(record.expiresAtMs).toBe(now + 10 * MINUTE);
    expect((await store.verifyApiKey(key))?.id).toBe(record.id);
    expect(await store.countActiveKeys('trader')).toBe(1);
    now += 10 * MINUTE - 1;
    expect((await store.apiKeyStatus(key)).status).toBe('valid');
    now += 1;
    expect(await store.verifyApiKey(key)).toBeNull();
    expect((await store.apiKeyStatus(key)).status).toBe('expired');
    expect(await store.countActiveKeys('trader')).toBe(0);
    // A wrong secret for the same id learns nothing about the key's state.
    expect((await store.apiKeyStatus(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).status).toBe('invalid');
    await store.close();
  });

  it('rotates: the new key works at once, the old stops now or after the grace period; a rotated key cannot rotate', async () => {
    let now = Date.UTC(2026, 11, 3);
    const store = await openStore(await testStoreLocation('keys'), () => now);
    const first = await store.createApiKey('admin', 'test', 'ops', { ttlMs: 30 * 24 * 60 * MINUTE });
    const second = await store.rotateApiKey(first.record.id, 'cli:alice');
    expect(second.record).toMatchObject({ role: 'admin', label: 'ops', expiresAtMs: now + 30 * 24 * 60 * MINUTE });
    expect((await store.verifyApiKey(second.key))?.id).toBe(second.record.id);
    expect(await store.verifyApiKey(first.key)).toBeNull();
    expect((await store.apiKeyStatus(first.key)).status).toBe('revoked');
    expect(second.previous).toMatchObject({ rotatedTo: second.record.id, revokedAtMs: now });
    await expect(store.rotateApiKey(first.record.id, 'cli:alice')).rejects.toThrow(NotFoundError);

    const third = await store.rotateApiKey(second.record.id, 'cli:alice', { graceMs: 5 * MINUTE, ttlMs: 60 * MINUTE });
    expect(third.record.expiresAtMs).toBe(now + 60 * MINUTE);
    expect((await store.verifyApiKey(second.key))?.id).toBe(second.record.id);
    await expect(store.rotateApiKey(second.record.id, 'cli:alice')).rejects.toThrow(/active key .* not found/);
    now += 5 * MINUTE;
    expect(await store.verifyApiKey(second.key)).toBeNull();
    expect((await store.verifyApiKey(third.key))?.id).toBe(third.record.id);
    const audit = (await store.listAudit(10)).map((a) => `${a.action} ${a.target}`);
    expect(audit).toEqual(expect.arrayContaining([`key.rotate ${second.record.id}`, `key.rotate ${third.record.id}`]));
    expect((await checkStore(store)).problems).toEqual([]);
    await store.close();
  });
});

describe('ilhedge keys', () => {
  const run = (args: string[]) => runCommandInProcess(registerKeys, args);

  it('creates with an expiry, lists state and expiry without secrets, rotates (with grace) and revokes', async () => {
    const db = join(dir, 'cli.sqlite');
    const created = await run(['keys', 'create', '--role', 'viewer', '--expires-in-days', '7', '--db', db]);
    const key = created.stdout.trim();
    const id = key.split('_')[1]!;
    expect(created.stderr).toMatch(/valid until 20\d\d-/);
    const rotated = await run(['keys', 'rotate', id, '--grace-minutes', '10', '--db', db, '--json']);
    const answer = JSON.parse(rotated.stdout);
    expect(answer.previous).toMatchObject({ id, rotatedTo: answer.id, revokedAtMs: null });
    expect(answer.expiresAtMs - answer.createdAtMs).toBe(7 * 24 * 60 * MINUTE);
    const listed = await run(['keys', 'list', '--db', db]);
    expect(listed.stdout).toMatch(new RegExp(`${id} .*rotating to ${answer.id} \\(grace\\)`));
    expect(listed.stdout).toMatch(new RegExp(`${answer.id} .*active`));
    expect(listed.stdout).not.toContain(key.split('_').slice(2).join('_'));
    expect(listed.stdout).not.toContain(answer.key.split('_').slice(2).join('_'));
    await expect(run(['keys', 'rotate', id, '--db', db])).rejects.toThrow(/no active key with id/);
    await run(['keys', 'revoke', answer.id, '--db', db]);
    const json = JSON.parse((await run(['keys', 'list', '--db', db, '--json'])).stdout);
    expect(json.find((k: { id: string }) => k.id === answer.id).state).toBe('revoked');
    await expect(run(['keys', 'create', '--role', 'viewer', '--expires-in-days', '0', '--db', db])).rejects.toThrow(
      /--expires-in-days: expected a positive number/,
    );
  });
});

describe('rate limit per key', () => {
  it('is a token bucket: a burst, then one request per 1/rate seconds, with the wait rounded up', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now += 499;
    expect(limiter.take('a')).toBe(1);
    now += 1;
    expect(limiter.take('a')).toBe(0);
    now += 10_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0, 1]);
  });

  it('answers 429 rate-limited with Retry-After past the limit, per key, and lets the key through again', async () => {
    const t = await startTestService();
    try {
      // The bucket on a clock of its own, so the test does not depend on how fast the machine answers.
      let clock = 0;
      t.handle.context.auth.rateLimiter = new RateLimiter({ burst: 5, perSecond: 1 }, () => clock);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await t.call('GET', '/api/positions', { key: t.keys.viewer })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await t.call('GET', '/api/positions', { key: t.keys.viewer });
      expect(limited.status).toBe(429);
      expect(limited.json).toMatchObject({ error: 'rate-limited' });
      expect(limited.json.message).toMatch(/over its rate limit \(1 requests\/s, bursts of 5\); retry after 1 s/);
      const retryAfter = await new Promise<string | undefined>((resolve, reject) => {
        import('node:http').then(({ default: http }) => {
          http
            .get(`${t.url}/api/positions`, { headers: { authorization: `Bearer ${t.keys.viewer}` } }, (res) => {
              res.resume();
              resolve(res.headers['retry-after']);
            })
            .on('error', reject);
        }, reject);
      });
      expect(retryAfter).toBe('1');
      // Another key has its own bucket.
      expect((await t.call('GET', '/api/positions', { key: t.keys.trader })).status).toBe(200);
      clock += 999;
      expect((await t.call('GET', '/api/positions', { key: t.keys.viewer })).status).toBe(429);
      clock += 2;
      expect((await t.call('GET', '/api/positions', { key: t.keys.viewer })).status).toBe(200);
    } finally {
      await t.handle.close();
    }
  });
});

describe('keys over HTTP', () => {
  it('refuses an expired key (even one verified a moment before) and a rotated one, saying which', async () => {
    const t = await startTestService();
    try {
      const short = await t.handle.store.createApiKey('viewer', 'test', 'short', { ttlMs: 1_500 });
      expect((await t.call('GET', '/api/positions', { key: short.key })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_600));
      const expired = await t.call('GET', '/api/positions', { key: short.key });
      expect(expired.status).toBe(401);
      expect(expired.json.message).toMatch(/API key expired/);
      const made = await t.call('POST', '/api/keys', { body: { role: 'viewer', label: 'day', expiresInDays: 1 } });
      expect(made.status, made.text).toBe(201);
      expect(made.json.expiresAtMs - made.json.createdAtMs).toBe(24 * 60 * MINUTE);
      expect((await t.call('POST', '/api/keys', { body: { role: 'viewer', expiresInDays: 0 } })).status).toBe(400);
      expect((await t.call('POST', '/api/keys', { body: { role: 'viewer', extra: 1 } })).status).toBe(400);
      const old = await t.handle.store.createApiKey('viewer', 'test', 'old');
      expect((await t.call('GET', '/api/positions', { key: old.key })).status).toBe(200);
      const path = `/api/keys/${old.record.id}/rotate`;
      expect((await t.call('POST', path, { key: t.keys.trader, body: {} })).status).toBe(403);
      const rotated = await t.call('POST', path, { body: { expiresInDays: 1 } });
      expect(rotated.status, rotated.text).toBe(201);
      expect(rotated.json).toMatchObject({ role: 'viewer', label: 'old', previous: { rotatedTo: rotated.json.id } });
      expect(rotated.json.expiresAtMs - rotated.json.createdAtMs).toBe(24 * 60 * MINUTE);
      // The old key stops at once, even though it was verified (and cached) a moment ago.
      const revoked = await t.call('GET', '/api/positions', { key: old.key });
      expect(revoked.status).toBe(401);
      expect(revoked.json.message).toMatch(/API key revoked \(rotated or revoked/);
      expect((await t.call('GET', '/api/positions', { key: rotated.json.key })).status).toBe(200);
      const again = await t.call('POST', path, { body: {} });
      expect(again.status).toBe(404);
      expect(again.json.message).toMatch(/active key .* not found/);
    } finally {
      await t.handle.close();
    }
  });
});

describe('no key secret in the logs or error bodies', () => {
  it('logs a whole session at trace level and finds none of the keys created in it', async () => {
    let logged = '';
    const logger = createLogger('trace', { write: (line: string) => void (logged += line) });
    const t = await startTestService({ logger });
    const keys: string[] = [t.keys.admin, t.keys.trader, t.keys.viewer];
    const bodies: string[] = [];
    let audit = '';
    try {
      const call = async (...args: Parameters<typeof t.call>) => {
        const r = await t.call(...args);
        bodies.push(r.text);
        return r;
      };
      // Keys created over HTTP (their one response carries the key and is not scanned), by rotation, and by hand.
      const created = await t.call('POST', '/api/keys', { body: { role: 'trader', label: 'http' } });
      expect(created.status).toBe(201);
      keys.push(created.json.key);
      const rotated = await t.handle.store.rotateApiKey(created.json.id, 'test', { graceMs: 60_000 });
      keys.push(rotated.key);
      const revokedKey = await t.handle.store.createApiKey('viewer', 'test', 'to revoke');
      keys.push(revokedKey.key);
      const expiring = await t.handle.store.createApiKey('viewer', 'test', 'expiring', { ttlMs: 1 });
      keys.push(expiring.key);

      for (const key of keys) {
        await call('GET', '/api/positions', { key });
        await call('GET', `/api/positions?token=${encodeURIComponent(key)}`, { key: null });
        await call('GET', `/api/holdings?limit=1&token=${key}&x=1`, { key });
        await call('POST', '/api/tickets', { key, raw: '{"mode": bad json' });
        await call('GET', `/nowhere?token=${key}`, { key });
        await call('GET', '/api/positions', { key: key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A') });
        const base = t.url.replace('http', 'ws') + '/ws';
        for (const open of [
          () => new WebSocket(base, { headers: { authorization: `Bearer ${key}` } }),
          () => new WebSocket(base, ['ilhedge.v1', `bearer.${key}`]),
          () => new WebSocket(`${base}?token=${key}`),
        ]) {
          const ws = open();
          await new Promise<void>((resolve) => {
            ws.once('open', () => ws.close());
            ws.once('close', () => resolve());
            ws.once('unexpected-response', (_req, res) => {
              res.resume();
              resolve();
            });
            ws.on('error', () => resolve());
          });
        }
      }
      // Revoking by pasting the whole key (a likely slip) works and echoes no secret.
      const revoke = await call('DELETE', `/api/keys/${revokedKey.key}`);
      expect(revoke.status, revoke.text).toBe(204);
      await call('DELETE', `/api/keys/${revokedKey.key}`);
      t.handle.context.auth.invalidate();
      await call('GET', '/api/positions', { key: revokedKey.key });
      await call('GET', '/api/audit?limit=1000');
      audit = JSON.stringify(await t.handle.store.listAudit(1000));
    } finally {
      await t.handle.close();
    }
    expect(logged.length).toBeGreaterThan(1000);
    expect(logged).toMatch(/"msg":"request"/);
    for (const key of keys) {
      const secret = key.split('_').slice(2).join('_');
      expect(secret).toHaveLength(43);
      for (const [where, text] of [
        ['logs', logged],
        ['audit', audit],
        ['response bodies', bodies.join('\n')],
      ] as const) {
        expect(text.includes(secret), `${where} contain the secret of ${key.split('_')[1]}`).toBe(false);
      }
    }
  }, 60_000);

  it('redacts tokens and whole keys from URLs before they are logged', () => {
    const key = `ilh_abcdefghij_${'x'.repeat(43)}`;
    expect(redactUrl(`/api/x?token=${key}&a=1`)).toBe('/api/x?token=[Redacted]&a=1');
    expect(redactUrl(`/api/keys/${key}`)).toBe('/api/keys/ilh_abcdefghij_[Redacted]');
  });
});
