import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { ConfigError, deskBook, deskPolicy, loadDeskConfig, parseDeskConfig } from '../../src/config/deskConfig.js';

const v3 = {
  id: 'lp1',
  kind: 'lp',
  model: 'v3',
  lower: 68_000,
  upper: 84_000,
  price: 75_800,
  depositValue: 1_000_000,
};

function fieldsOf(raw: unknown): string[] {
  try {
    parseDeskConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).fields;
  }
  throw new Error('expected the config to be rejected');
}

function messageOf(raw: unknown): string {
  try {
    parseDeskConfig(raw, 'desk.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('desk config', () => {
  it('every example in config/ validates and builds its book and policy', () => {
    const files = readdirSync('config').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const config = loadDeskConfig(`config/${f}`);
      const book = deskBook(config);
      expect(book.length).toBe(config.positions.length);
      const policy = deskPolicy(config);
      expect(policy.limits).toMatchObject({
        maxContractsPerLeg: config.limits.maxContractsPerLeg,
        maxPremiumQuote: config.limits.maxPremiumQuote,
      });
      // Every example says in so many words that it sends no order (issue 18): dry-run on every venue.
      const raw = JSON.parse(readFileSync(`config/${f}`, 'utf8')) as { execution?: { mode?: string; venues?: object } };
      expect(raw.execution?.mode, f).toBe('dry-run');
      expect(raw.execution?.venues, f).toBeUndefined();
    }
  });

  it('fills defaults: builtin Deribit BTC, dynamic mode, spread cost, perp delta hedge', () => {
    const config = parseDeskConfig({ positions: [v3] });
    expect(config.market).toEqual({ venue: 'deribit', underlying: 'BTC', source: 'builtin', endpoints: {} });
    expect(config.execution.mode).toBe('dry-run');
    expect(config.mode).toBe('dynamic');
    const policy = deskPolicy(config);
    expect(policy.costModel).toBe('spread');
    expect(policy.deltaHedge).toBe('perp');
    expect(policy.target).toEqual({ delta: 0, gamma: 0 });
  });

  it('names the field of each error', () => {
    expect(fieldsOf({ positions: [{ ...v3, upper: 60_000 }] })).toContain('positions[0].upper');
    expect(fieldsOf({ positions: [{ ...v3, price: -1 }] })).toContain('positions[0].price');
    expect(fieldsOf({ positions: [v3], policy: { costModel: 'cheapest' } })).toContain('policy.costModel');
    expect(fieldsOf({ positions: [v3], policy: { tolerance: { deltaBase: 0 } } })).toContain(
      'policy.tolerance.deltaBase',
    );
    expect(fieldsOf({ positions: [v3], market: { venue: 'ftx' } })).toContain('market.venue');
    expect(fieldsOf({ positions: [] })).toContain('positions');
    expect(fieldsOf({ positions: [v3, v3] })).toContain('positions[1].id');
    expect(fieldsOf({ positions: [v3], venues: ['okx'] })).toContain('policy.candidates.venues[0]');
    expect(
      fieldsOf({
        positions: [
          v3,
          {
            id: 'p',
            kind: 'perp',
            venue: 'okx',
            instrument: 'BTC-USD-SWAP',
            contracts: 1,
            entryPrice: 75_000,
            entryTime: '2026-05-20T09:00:00Z',
          },
        ],
      }),
    ).toContain('positions[1].venue');
  });

  it('rejects unknown keys (a typo must not silently fall back to a default)', () => {
    expect(fieldsOf({ positions: [v3], policy: { maxLeg: 3 } })).toContain('policy');
    expect(messageOf({ positions: [v3], policy: { maxLeg: 3 } })).toMatch(/maxLeg/);
  });

  it('names the new key of a quote-money field once suffixed Usd', () => {
    const message = messageOf({ positions: [v3], limits: { maxPremiumUsd: 1000 } });
    expect(message).toMatch(/maxPremiumUsd is now maxPremiumQuote/);
    expect(messageOf({ positions: [v3], limits: { maxPremiumQuote: 1000, extra: 1 } })).not.toMatch(/is now/);
  });

  it('reports a bad LP sizing against its position field', () => {
    // Two sizings at once: the pricing layer refuses, the message names the position.
    const message = messageOf({ positions: [{ ...v3, liquidity: 5 }] });
    expect(message).toMatch(/^desk\.json: invalid desk config: positions\[0\]\./);
  });

  it('reports unreadable files and invalid JSON with the file name', () => {
    expect(() => loadDeskConfig('config/no-such-file.json')).toThrow(/no-such-file\.json: cannot read/);
    const dir = readFileSync('test/config/fixtures/not-json.txt', 'utf8');
    expect(dir.length).toBeGreaterThan(0);
    expect(() => loadDeskConfig('test/config/fixtures/not-json.txt')).toThrow(/not valid JSON/);
  });
});
