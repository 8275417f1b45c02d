import { describe, expect, it } from 'vitest';
import { ConfigError, parseDeskFile, resolveServiceSettings } from '../../src/service/config.js';

describe('service config', () => {
  it('takes flags over environment over file over defaults', () => {
    const file = parseDeskFile({ service: { port: 9000, db: '/file.sqlite', host: '0.0.0.0' } }, 'desk.json');
    const settings = resolveServiceSettings({ port: '7000' }, { ILHEDGE_PORT: '8000', ILHEDGE_DB: '/env.sqlite' }, file);
    expect(settings.port).toBe(7000);
    expect(settings.db).toBe('/env.sqlite');
    expect(settings.host).toBe('0.0.0.0');
    expect(settings.logLevel).toBe('info');
    expect(resolveServiceSettings({}, {}, undefined).db).toBe('./data/ilhedge.sqlite');
  });

  it('names the flag, variable or field at fault', () => {
    expect(() => resolveServiceSettings({ port: 'eighty' }, {}, undefined)).toThrow(/^--port: /);
    expect(() => resolveServiceSettings({}, { ILHEDGE_PORT: '70000' }, undefined)).toThrow(/^ILHEDGE_PORT: /);
    expect(() => resolveServiceSettings({}, { ILHEDGE_LOG_LEVEL: 'loud' }, undefined)).toThrow(/^ILHEDGE_LOG_LEVEL: /);
    expect(() =>
      parseDeskFile({ positions: [{ name: 'x', underlying: 'BTC', pool: { kind: 'v3', lowerPrice: 1 }, entryPrice: 1, notionalQuote: 1 }] }, 'desk.json'),
    ).toThrow(/desk\.json: positions\.0\.pool\.upperPrice/);
  });

  it('refuses secrets in the config file', () => {
    expect(() => parseDeskFile({ venues: { deribit: { apiSecret: 'abc' } } }, 'desk.json')).toThrow(ConfigError);
    expect(() => parseDeskFile({ venues: { deribit: { apiSecret: 'abc' } } }, 'desk.json')).toThrow(/venues\.deribit\.apiSecret/);
  });
});
