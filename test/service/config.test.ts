import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServiceSettings } from '../../src/service/config.js';
import { deskPolicy } from '../../src/config/deskConfig.js';
import { loadDesk } from '../../src/service/run.js';

const dir = mkdtempSync(join(tmpdir(), 'ilhedge-config-'));

describe('service settings', () => {
  it('takes flags over environment over defaults', () => {
    const settings = resolveServiceSettings({ port: '7000' }, { ILHEDGE_PORT: '8000', ILHEDGE_DB: '/env.sqlite' });
    expect(settings.port).toBe(7000);
    expect(settings.db).toBe('/env.sqlite');
    expect(settings.host).toBe('127.0.0.1');
    expect(settings.logLevel).toBe('info');
    expect(resolveServiceSettings({}, {}).db).toBe('./data/ilhedge.sqlite');
  });

  it('names the flag or variable at fault', () => {
    expect(() => resolveServiceSettings({ port: 'eighty' }, {})).toThrow(/^--port: /);
    expect(() => resolveServiceSettings({}, { ILHEDGE_PORT: '70000' })).toThrow(/^ILHEDGE_PORT: /);
    expect(() => resolveServiceSettings({}, { ILHEDGE_LOG_LEVEL: 'loud' })).toThrow(/^ILHEDGE_LOG_LEVEL: /);
  });
});

describe('desk config for the service', () => {
  it('serves every position of the example configs: LP positions with their config policy, held hedges as holdings', async () => {
    const desk = await loadDesk(undefined);
    expect(desk.configs.length).toBeGreaterThan(0);
    const declared = desk.configs.flatMap((c) => c.config.positions.map((p) => p.id));
    // Nothing is skipped: every declared position is an LP served or a held hedge entered into the ledger.
    expect([...desk.positions.map((p) => p.id), ...desk.held.map((h) => h.spec.id)].sort()).toEqual(declared.sort());
    expect(desk.held.map((h) => h.spec.instrument).sort()).toEqual(['BTC-26JUN26-70000-P', 'BTC-PERPETUAL']);
    for (const { config } of desk.configs) {
      for (const p of config.positions) {
        const served = desk.positions.find((s) => s.id === p.id);
        // The config's policy applies to the positions it declares (v3 keeps its 7-day minimum expiry).
        if (served) expect(served.policy).toEqual(deskPolicy(config));
      }
    }
  });

  it('stops on a bad config, naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        positions: [{ id: 'a', kind: 'lp', model: 'v3', lower: 80_000, upper: 70_000, price: 75_000, depositValue: 1 }],
      }),
    );
    await expect(loadDesk(file)).rejects.toThrow(/positions\[0\]\.upper/);
  });

  it('refuses keys it does not know (a secret cannot hide in the file)', async () => {
    const file = join(dir, 'secret.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiSecret: 'x',
        positions: [{ id: 'a', kind: 'lp', model: 'v2', price: 75_000, depositValue: 1 }],
      }),
    );
    await expect(loadDesk(file)).rejects.toThrow(/apiSecret/);
  });
});
