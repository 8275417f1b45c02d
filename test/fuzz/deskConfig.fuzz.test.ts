/**
 * The desk config loader under arbitrary input: each example config in config/ with one value somewhere replaced
 * (or removed, or a key added), and arbitrary JSON. Every input is either accepted (and then builds its book and
 * policy) or refused with a ConfigError whose message starts with the file's name and names at least one field;
 * nothing else is ever thrown (no TypeError from a shape the loader did not expect).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, deskBook, deskPolicy, parseDeskConfig } from '../../src/config/deskConfig.js';

const EXAMPLES = readdirSync('config')
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(`config/${f}`, 'utf8')) as unknown }));

type Path = (string | number)[];

/** Every path to a value inside `value` (objects and arrays included). */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  }
  return out;
}

type Edit = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

/** A deep copy of `root` with `edit` applied at `path` (the root itself can only be replaced). */
function edited(root: unknown, path: Path, edit: Edit): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return edit.kind === 'set' ? edit.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (edit.kind === 'set') parent[last] = edit.value;
  else if (edit.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      (target as Record<string, unknown>)[edit.key] = edit.value;
    } else parent[last] = edit.value;
  }
  return copy;
}

/** Values that are plausible somewhere in a config and wrong almost everywhere. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1e308, -1e-308, '', 'v3', 'deribit', 'BTC', null, true, [], {}, '68000', 1.5, 1e-9),
);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), value: oddValue }),
  fc.constant({ kind: 'delete' as const }),
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('maxPremiumUsd', '__proto__', 'constructor')),
    value: oddValue,
  }),
);

const mutatedExample = fc.constantFrom(...EXAMPLES).chain(({ file, json }) =>
  fc.tuple(fc.constant(file), fc.constantFrom(...pathsOf(json)), edit).map(([f, path, e]) => ({
    file: f,
    path,
    config: edited(json, path, e),
  })),
);

/** Parses `config`; returns what happened, failing the test on anything but acceptance or a ConfigError. */
function load(config: unknown, origin: string): 'accepted' | 'refused' {
  try {
    const parsed = parseDeskConfig(config, origin);
    deskBook(parsed, origin);
    deskPolicy(parsed);
    return 'accepted';
  } catch (error) {
    expect(error, `${origin}: ${String(error)}`).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.message.startsWith(`${origin}: `), e.message).toBe(true);
    expect(e.message).not.toMatch(/undefined|NaN|\[object Object\]/);
    expect(e.fields.length, e.message).toBeGreaterThan(0);
    return 'refused';
  }
}

describe('desk config loader under arbitrary input', () => {
  it('has example configs to mutate', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(3);
    for (const { file, json } of EXAMPLES) expect(load(json, file)).toBe('accepted');
  });

  it('accepts or refuses every one-value mutation of the examples with a ConfigError naming a field', () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(mutatedExample, ({ file, path, config }) => {
        outcomes[load(config, `${file}@${path.join('.')}`)]++;
      }),
      { numRuns: 600, seed: 20261203 },
    );
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(outcomes.accepted / 10);
  });

  it('refuses arbitrary JSON with a ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        load(value, 'random.json');
      }),
      { numRuns: 500, seed: 20261203 },
    );
  });
});
