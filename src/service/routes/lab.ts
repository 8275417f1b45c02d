/**
 * The IL dynamics lab over HTTP: `POST /api/backtest` runs one LP position along a history under the lab's hedge
 * policies side by side (lab/commands.ts `backtestRun`, as `ilhedge backtest`) and answers with the lab's JSON (per
 * policy `il`, `fees`, `hedgePnl`, `funding`, `costs`, `total`, the attribution and the risk figures), plus the
 * running totals sampled for a plot. The history is the packaged one: one year of hourly Binance ETHUSDT prices,
 * the Uniswap v3 USDC/WETH 0.30% pool's fee growth, Deribit's ETH DVOL and Binance funding
 * (test/fixtures/history, SOURCES.md there), any window of it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { INVALID_INPUT } from '../../../hedging/index.js';
import type { CommonSettings } from '../../../lab/commands.js';
import { LabInputError, HistoryFormatError } from '../../../lab/errors.js';
import { POLICY_NAMES } from '../../../lab/types.js';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import { jsonSafe } from './common.js';
import { BacktestRunner } from '../backtests.js';

/** The packaged histories: one so far (the files the lab's tests use). */
export const BACKTEST_HISTORIES = {
  'eth-usdc-2022-07_2023-06': {
    prices: 'binance_spot_ethusdt_1h_2022-07_2023-06.csv',
    pool: 'univ3_usdc_weth_030_hourly_2022-07_2023-06.csv',
    iv: 'deribit_dvol_eth_daily_2022-07_2023-06.csv',
    funding: 'binance_usdm_funding_ethusdt_8h_2022-07_2023-06.csv',
  },
} as const;

type HistoryName = keyof typeof BACKTEST_HISTORIES;
const HISTORY_NAMES = Object.keys(BACKTEST_HISTORIES) as [HistoryName, ...HistoryName[]];

/** The most points of the running totals the answer carries per policy (the full path is every hour). */
export const BACKTEST_SERIES_POINTS = 400;

const positive = z.number().positive().finite();

export const backtestBodySchema = z
  .object({
    history: z.enum(HISTORY_NAMES).default('eth-usdc-2022-07_2023-06'),
    /** First and last times of the window, ISO-8601 (default: the whole history). */
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    position: z
      .object({
        model: z.enum(['v2', 'v3']).default('v3'),
        /** v3 range bounds, quote per base (default: rangeWidth around the entry price). */
        lower: positive.optional(),
        upper: positive.optional(),
        /** v3 range when lower/upper are not given: [P0/(1+w), P0(1+w)]. */
        rangeWidth: positive.default(0.2),
        depositValue: positive.default(10_000).describe('value at entry, quote currency'),
      })
      .strict()
      .prefault({}),
    policies: z
      .array(z.enum(POLICY_NAMES as [string, ...string[]]))
      .min(1)
      .default(['unhedged', 'perp-time', 'perp-band', 'strip']),
    /** Fees from the pool's fee growth (default), or at `feeApr` on the position's value while in range. */
    fees: z.enum(['pool', 'apr']).default('pool'),
    feeApr: z.number().min(0).finite().default(0.1).describe('decimal a year, when fees is apr'),
    /** Options priced at the DVOL history (default) or at this constant vol (decimal). */
    vol: positive.optional(),
    /** Funding from the Binance history (default) or at this APR paid by longs (decimal a year). */
    fundingApr: z.number().finite().optional(),
    hedgeIntervalHours: positive.default(8),
    bandK: positive.default(1.5),
    stripHorizonDays: positive.default(30),
  })
  .strict()
  .refine((b) => !(b.from && b.to) || Date.parse(b.from) < Date.parse(b.to), {
    message: 'must be after from',
    path: ['to'],
  });

export type BacktestBody = z.output<typeof backtestBodySchema>;

/** The folder of the packaged histories: test/fixtures/history of the source tree (from src/ or from dist/). */
export function historyDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'test', 'fixtures', 'history');
    if (existsSync(join(candidate, 'SOURCES.md'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('the packaged history (test/fixtures/history) was not found beside the service');
}

/** Runs the backtest of a request body; lab input errors come back as 400s naming the field. */
export async function runBacktest(body: BacktestBody): Promise<unknown> {
  const { backtestRun, resultJson } = await import('../../../lab/commands.js');
  const files = BACKTEST_HISTORIES[body.history];
  const dir = historyDir();
  const source = (file: string) => ({ text: readFileSync(join(dir, file), 'utf8'), file });
  const common: CommonSettings = {
    model: body.position.model,
    ...(body.position.lower !== undefined ? { lower: body.position.lower } : {}),
    ...(body.position.upper !== undefined ? { upper: body.position.upper } : {}),
    rangeWidth: body.position.rangeWidth,
    depositValue: body.position.depositValue,
    policies: body.policies.join(','),
    hedgeIntervalHours: body.hedgeIntervalHours,
    bandK: body.bandK,
    reviewHours: 24,
    rollHours: 48,
    stripHorizonDays: body.stripHorizonDays,
    sell: true,
    perpCostBp: 5,
    perpLot: 0.001,
    optionSpreadVol: 0.02,
    optionFee: 0.0003,
    optionLot: 0.1,
    feeApr: body.feeApr,
    fundingApr: body.fundingApr ?? 0,
    ...(body.vol !== undefined ? { vol: body.vol } : {}),
  };
  let result;
  try {
    result = await backtestRun({
      history: {
        prices: { ...source(files.prices), column: 'close' },
        pool: body.fees === 'pool' ? source(files.pool) : null,
        iv: body.vol === undefined ? { ...source(files.iv), format: 'percent' } : null,
        funding: body.fundingApr === undefined ? source(files.funding) : null,
        fromMs: body.from ? Date.parse(body.from) : null,
        toMs: body.to ? Date.parse(body.to) : null,
        defaults: { feeApr: body.feeApr, vol: body.vol ?? null, fundingApr: body.fundingApr ?? 0 },
        poolToken0IsQuote: true,
        poolDecimals: [6, 18],
      },
      common,
    });
  } catch (error) {
    // The lab names its own inputs (`rangeWidth`); the route names them where the request has them
    // (`body.position.rangeWidth`). A window the packaged history does not cover is the request's fault here
    // (invalid-input on body.from), not a damaged file's (history-format).
    if (error instanceof LabInputError) {
      const field = ['positions', 'depositValue', 'rangeWidth', 'model', 'lower', 'upper'].includes(error.field)
        ? `body.position.${error.field}`
        : `body.${error.field}`;
      const message = `${field}: ${error.reason} (got ${JSON.stringify(error.value)})`;
      throw new HttpError(INVALID_INPUT, message, [{ field, message: error.reason }]);
    }
    if (error instanceof HistoryFormatError) {
      throw new HttpError(INVALID_INPUT, `body.from: ${error.message}`, [
        { field: 'body.from', message: error.reason },
      ]);
    }
    throw error;
  }
  const s = result.report.series;
  const every = Math.max(1, Math.ceil(s.timesSec.length / BACKTEST_SERIES_POINTS));
  const sample = <T>(xs: readonly T[]) => xs.filter((_, i) => i % every === 0 || i === xs.length - 1);
  return {
    history: body.history,
    ...(resultJson(result) as object),
    series: {
      everySteps: every,
      timesMs: sample(s.timesSec).map((t) => t * 1000),
      prices: sample(s.prices),
      totals: s.totals.map((t) => ({ policy: t.policy, values: sample(t.values) })),
    },
  };
}

const backtestResponseSchema = z
  .object({
    history: z.string(),
    kind: z.literal('backtest'),
    description: z.string(),
    assumptions: z.array(z.string()),
    positions: z.array(z.unknown()),
    policies: z.array(
      z
        .object({
          policy: z.string(),
          il: z.number(),
          fees: z.number(),
          hedgePnl: z.number(),
          funding: z.number(),
          costs: z.number(),
          total: z.number(),
        })
        .loose(),
    ),
    series: z.object({
      everySteps: z.number(),
      timesMs: z.array(z.number()),
      prices: z.array(z.number()),
      totals: z.array(z.object({ policy: z.string(), values: z.array(z.number()) })),
    }),
  })
  .describe("the lab's JSON: per policy IL, fees, hedge P&L, funding, costs, total, attribution and risk");

export function labRoutes(_ctx: ServiceContext): RouteDef[] {
  // One runner per service: backtests in a worker thread, one at a time.
  const runner = new BacktestRunner();
  return [
    route({
      method: 'post',
      path: '/api/backtest',
      summary: 'Backtest an LP position under the lab hedge policies on the packaged history',
      tag: 'lab',
      auth: 'viewer',
      body: backtestBodySchema,
      responses: {
        200: { description: 'the comparison of the policies', schema: backtestResponseSchema },
        400: { description: 'an input out of its domain (the field is named)' },
      },
      handler: async ({ body }) => ({ body: jsonSafe(await runner.run(body)) }),
    }),
  ];
}
