/**
 * The one error registry (pricing/errors.ts): every registered code is unique, kebab-case and has one HTTP status;
 * every code is reached, by a real code path where one exists, else by constructing its class; the error an edge
 * sees carries the registry's code and status; README.md's "Error codes" table lists exactly the registered codes
 * with their statuses.
 *
 * A new code needs: its defining module imported below (registration happens on import), a case in `reach`, and
 * a row in the README table.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ERROR_REGISTRY,
  IlhedgeError,
  PricingError,
  defineError,
  errorBodyOf,
  errorCodeOf,
  errorDefinition,
  httpStatusOf,
} from '../../pricing/errors.js';
import { black76Price } from '../../pricing/black.js';
import { ImpliedVolError, impliedVolBlack76 } from '../../pricing/impliedVol.js';
import {
  InconsistentMarketError,
  ReplayMissError,
  StaleQuoteError,
  UnknownInstrumentError,
  fromCcxtError,
} from '../../adapters/errors.js';
import { parseSourceSpec } from '../../adapters/source.js';
import {
  HedgingError,
  InfeasibleHedgeError,
  InvalidHedgeInputError,
  MarketSanityError,
  SolverError,
  StaleMarketError,
  UnknownPositionError,
  requireFiniteField,
} from '../../hedging/errors.js';
import { LIMIT_FIELDS, LimitInfeasibleError } from '../../hedging/limits.js';
import { answerLine } from '../../src/cli/batch.js';
import { describeError } from '../../src/cli/errors.js';
import { NoMarketError } from '../../src/service/deskBook.js';
import * as http from '../../src/service/httpErrors.js';
import { parseDeskConfig } from '../../src/config/deskConfig.js';
import { ExecutionHaltedError, OrderRefusedError } from '../../src/service/execution/errors.js';
import { BACKTEST_BUSY } from '../../src/service/backtests.js';
import { RateLimitedError } from '../../src/service/auth.js';
import { StoreError, storeErrorOf } from '../../src/service/store/index.js';
import { HistoryFormatError, LabError, LabInputError } from '../../lab/errors.js';

/** A better-sqlite3 failure with SQLite's extended result code, as the store sees one. */
function sqliteFailure(code: string): Error {
  return Object.assign(new Error('sqlite says no'), { code });
}

/** Runs `run` and returns what it threw (fails when it does not throw). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The batch error code of one input line (the batch never throws: errors come back as `error`). */
function batchCode(line: string): string | undefined {
  const answer = answerLine(line);
  return 'error' in answer ? answer.error.code : undefined;
}

/** Per code, the errors that carry it: from real paths where they exist, else constructed. */
const reach: Record<string, () => unknown[]> = {
  internal: () => [new TypeError('boom')],
  pricing: () => [new PricingError('the maths refused')],
  'invalid-input': () => [
    thrown(() => black76Price('call', 100, -1, 1, 0.5)),
    thrown(() => impliedVolBlack76('call', Number.NaN, 100, 1, 5)),
    thrown(() => requireFiniteField('book.delta', Number.NaN)),
    new LabInputError('vol', -1, 'must be greater than 0'),
  ],
  'below-intrinsic': () => [thrown(() => impliedVolBlack76('call', 100, 90, 1, 5))],
  'above-maximum': () => [thrown(() => impliedVolBlack76('call', 100, 90, 1, 150))],
  'not-representable': () => [new ImpliedVolError('not-representable', 'vol overflows')],
  'market-data': () => [thrown(() => parseSourceSpec('nowhere'))],
  'venue-error': () => [fromCcxtError(new Error('socket hang up'), { venue: 'deribit', operation: 'fetchTicker' })],
  'stale-quotes': () => [
    new StaleQuoteError('BTC-PERPETUAL', 20_000, 5_000),
    new StaleMarketError('old', 20_000, 5_000),
  ],
  'unknown-instrument': () => [new UnknownInstrumentError('deribit', 'BTC-1JAN99-1-C')],
  'inconsistent-market': () => [new InconsistentMarketError('okx', 'BTC-USD-221230-20000-C', 'ctMult disagrees')],
  'replay-miss': () => [new ReplayMissError('GET', '/api/v2/public/ticker', 'rec.json')],
  hedging: () => [new HedgingError('no hedge')],
  infeasible: () => [new InfeasibleHedgeError('gamma target out of reach')],
  'market-sanity': () => [new MarketSanityError('no forward')],
  'unknown-position': () => [new UnknownPositionError('no position lp-9')],
  'solver-failed': () => [new SolverError('HiGHS status 7')],
  'limit-infeasible': () => [new LimitInfeasibleError([LIMIT_FIELDS[0]], [10], 'the leg needs 12')],
  'no-market': () => [new NoMarketError('no feed for deribit/BTC')],
  lab: () => [new LabError('simulation worker 1 exited with code 1')],
  'history-format': () => [new HistoryFormatError('prices.csv', 3, 'price', 'not a number')],
  'invalid-config': () => [thrown(() => parseDeskConfig({ positions: 'none' }, 'desk.json'))],
  // test/service/execution-*.test.ts reach both through the order manager and the routes.
  'execution-halted': () => [new ExecutionHaltedError('execution is halted; resume it first')],
  'order-refused': () => [new OrderRefusedError('execution.collarFraction', 'limit 0.02 is 9% above the mark')],
  // The HTTP edge's own codes; test/service/{api,ledger-api}.test.ts reach them over loopback.
  'not-found': () => [new http.HttpError(http.NOT_FOUND, 'ticket tkt-1 not found')],
  'four-eyes': () => [new http.HttpError(http.FOUR_EYES, 'the proposer may not approve')],
  'ticket-expired': () => [new http.HttpError(http.TICKET_EXPIRED, 'expired')],
  'market-moved': () => [new http.HttpError(http.MARKET_MOVED, 'moved 2%')],
  'holding-flat': () => [new http.HttpError(http.HOLDING_FLAT, 'nothing held')],
  conflict: () => [new http.HttpError(http.CONFLICT, 'rejected tickets stay rejected')],
  'no-mark': () => [new http.HttpError(http.NO_MARK, 'no mark')],
  unauthorized: () => [new http.HttpError(http.UNAUTHORIZED, 'invalid API key')],
  forbidden: () => [new http.HttpError(http.FORBIDDEN, 'viewer may not propose')],
  'payload-too-large': () => [new http.HttpError(http.PAYLOAD_TOO_LARGE, 'body over 64kb')],
  // test/service/lab.test.ts reaches it by queueing more backtests than the runner takes.
  'backtest-busy': () => [new http.HttpError(BACKTEST_BUSY, '6 backtests are running or waiting')],
  'store-full': () => [storeErrorOf(sqliteFailure('SQLITE_FULL'), 'desk.sqlite', 'ticket create')],
  'store-busy': () => [storeErrorOf(sqliteFailure('SQLITE_BUSY'), 'desk.sqlite', 'ticket create')],
  'store-unavailable': () => [
    storeErrorOf(sqliteFailure('SQLITE_IOERR_WRITE'), 'desk.sqlite', 'ticket create'),
    new StoreError('database desk.sqlite: read-only'),
  ],
  'store-corrupt': () => [storeErrorOf(sqliteFailure('SQLITE_NOTADB'), 'desk.sqlite', 'opening the database')],
  'rate-limited': () => [new RateLimitedError('abcdefghij', 1, { burst: 5, perSecond: 1 })],
};

/** Batch codes come back as answers, not as thrown errors. */
const batchReach: Record<string, string> = {
  'invalid-json': 'not json',
  'invalid-request': '[1, 2]',
  'unknown-op': '{"id":1,"op":"nope"}',
};

describe('error registry', () => {
  it('has unique kebab-case codes, each with one integer HTTP status in 400-599', () => {
    const codes = ERROR_REGISTRY.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const d of ERROR_REGISTRY) {
      expect(d.code).toMatch(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/);
      expect(Number.isInteger(d.httpStatus) && d.httpStatus >= 400 && d.httpStatus <= 599, d.code).toBe(true);
      expect(d.meaning.length, d.code).toBeGreaterThan(10);
      expect(errorDefinition(d.code)).toBe(d);
    }
  });

  it('refuses a second definition of a code, a code that is not kebab-case and a status that is not an error', () => {
    const before = ERROR_REGISTRY.length;
    expect(() => defineError('invalid-input', 422, 'a second meaning')).toThrow(/defined twice/);
    expect(() => defineError('stale_quotes', 503, 'snake case')).toThrow(/kebab-case/);
    expect(() => defineError('StaleQuotes', 503, 'camel case')).toThrow(/kebab-case/);
    expect(() => defineError('fine-code', 200, 'not an error status')).toThrow(/400-599/);
    expect(ERROR_REGISTRY.length).toBe(before);
  });

  it('reaches every registered code, and no case names an unregistered one', () => {
    const covered = [...Object.keys(reach), ...Object.keys(batchReach)].sort();
    expect(covered).toEqual(ERROR_REGISTRY.map((d) => d.code).sort());
  });

  for (const [code, make] of Object.entries(reach)) {
    it(`${code}: the error carries the code and the registered status, for errorCodeOf, httpStatusOf and the body`, () => {
      const definition = errorDefinition(code)!;
      expect(definition).toBeDefined();
      const errors = make();
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        if (code !== 'internal') {
          expect(error).toBeInstanceOf(IlhedgeError);
          expect((error as IlhedgeError).code).toBe(code);
          expect((error as IlhedgeError).httpStatus).toBe(definition.httpStatus);
        }
        expect(errorCodeOf(error)).toBe(code);
        expect(httpStatusOf(error)).toBe(definition.httpStatus);
        expect(errorBodyOf(error).code).toBe(code);
        expect(describeError(error).code).toBe(code);
      }
    });
  }

  for (const [code, line] of Object.entries(batchReach)) {
    it(`${code}: a batch line gets it as its error code`, () => {
      expect(errorDefinition(code)).toBeDefined();
      expect(batchCode(line)).toBe(code);
    });
  }

  it('keeps the field of input errors in the body every edge writes', () => {
    const body = errorBodyOf(thrown(() => black76Price('put', 3000, -1, 0.25, 0.65)));
    expect(body).toEqual({
      code: 'invalid-input',
      field: 'strike',
      message: 'strike: must be a finite number at least 0 (got -1)',
    });
    expect(errorBodyOf(thrown(() => requireFiniteField('book.delta', Infinity)))).toMatchObject({
      code: 'invalid-input',
      field: 'book.delta',
    });
    expect(errorBodyOf('a string')).toEqual({ code: 'internal', message: 'unexpected failure: a string' });
  });

  it('names each error after its class, as messages and logs did before the registry', () => {
    expect(new InfeasibleHedgeError('x').name).toBe('InfeasibleHedgeError');
    expect(new StaleQuoteError('BTC-PERPETUAL', 2, 1).name).toBe('StaleQuoteError');
    expect((thrown(() => black76Price('call', 1, -1, 1, 1)) as Error).name).toBe('InvalidInputError');
    expect(new ImpliedVolError('below-intrinsic', 'x').name).toBe('ImpliedVolError');
    expect(String(new MarketSanityError('no forward'))).toBe('MarketSanityError: no forward');
  });

  it("keeps each input error an instance of its own layer's base, with one message format", () => {
    const pricing = thrown(() => black76Price('call', 1, Number.NaN, 1, 1));
    const hedging = thrown(() => requireFiniteField('book.gamma', Number.NaN));
    expect(pricing).toBeInstanceOf(PricingError);
    expect(pricing).not.toBeInstanceOf(HedgingError);
    expect(hedging).toBeInstanceOf(HedgingError);
    expect(hedging).not.toBeInstanceOf(PricingError);
    expect(hedging).toBeInstanceOf(InvalidHedgeInputError);
    expect((hedging as Error).name).toBe('InvalidHedgeInputError');
    expect((hedging as Error).message).toBe('book.gamma: must be a finite number (got NaN)');
  });
});

describe('README "Error codes"', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf('\n## Error codes\n');
  const section = start < 0 ? '' : readme.slice(start + 1, readme.indexOf('\n## ', start + 1));
  const rows = new Map(
    [...section.matchAll(/^\| `([a-z0-9-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  );

  it('has the section', () => {
    expect(section).not.toBe('');
  });

  it('lists every registered code with its HTTP status, and no code that is not registered', () => {
    expect([...rows.keys()].sort()).toEqual(ERROR_REGISTRY.map((d) => d.code).sort());
    for (const d of ERROR_REGISTRY) expect(rows.get(d.code), d.code).toBe(d.httpStatus);
  });
});
