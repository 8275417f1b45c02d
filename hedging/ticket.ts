/**
 * The hedge ticket: one zod schema (the TypeScript type is inferred from it) and its renderers: a plain-text table
 * (default), JSON and CSV (one row per leg). A trader executes it without arithmetic: every leg states contracts
 * and base units, a limit price in the venue's currency on the venue's tick grid, and what it does to the book.
 */
import { z } from 'zod';
import { hedgePolicySchema } from './policySchema.js';

const greeks = z.object({ delta: z.number(), gamma: z.number(), vega: z.number(), theta: z.number() });

export const ticketPositionSchema = z.object({
  id: z.string(),
  kind: z.enum(['lp', 'option', 'perp', 'future']),
  label: z.string().nullable(),
  model: z.enum(['v2', 'v3', 'weighted']).nullable(),
  range: z.object({ lower: z.number(), upper: z.number().nullable() }).nullable(),
  liquidity: z.number().nullable(),
  instrument: z.string().nullable(),
  contracts: z.number().nullable(),
  price: z.number(),
  value: z.number(),
  delta: z.number(),
  gamma: z.number(),
  vega: z.number(),
  theta: z.number(),
});

export const ticketLegSchema = z.object({
  venue: z.string(),
  /** The venue's own instrument id. */
  instrument: z.string(),
  kind: z.enum(['option', 'perp', 'future']),
  type: z.enum(['call', 'put']).nullable(),
  strike: z.number().nullable(),
  /** ISO-8601 expiry (08:00 UTC), null for perps. */
  expiry: z.string().nullable(),
  side: z.enum(['buy', 'sell']),
  /** Unsigned contracts to trade (the side gives the sign). */
  contracts: z.number().positive(),
  /** Signed base units (+ bought). */
  baseAmount: z.number(),
  /** Limit price in `priceCurrency`, on the venue's tick grid (buy: the ask rounded up; sell: the bid rounded down). */
  limitPrice: z.number(),
  priceCurrency: z.string(),
  bid: z.number().nullable(),
  ask: z.number().nullable(),
  mid: z.number().nullable(),
  /** Mark IV, decimal. */
  iv: z.number().nullable(),
  forward: z.number().nullable(),
  /** The leg's contributions to the book (quote currency Greeks of `baseAmount`). */
  delta: z.number(),
  gamma: z.number(),
  vega: z.number(),
  theta: z.number(),
  /** Cost under the ticket's cost model, USD (spread: half-spread + fees). */
  cost: z.number(),
  /** Venue fees, USD. */
  fees: z.number(),
  /** Premium paid (+) or received (-), USD, at the limit price. */
  premiumUsd: z.number(),
});

export const warningSchema = z.object({
  code: z.enum([
    'stale-quotes',
    'wide-spread',
    'thin-book',
    'rounding-residual',
    'expiry-mismatch',
    'sanity-excluded',
    'limit',
    'out-of-range',
    'tail-uncovered',
  ]),
  message: z.string(),
});

export const scenarioRowSchema = z.object({
  horizon: z.string(),
  horizonDays: z.number(),
  volShift: z.number(),
  spotMove: z.number(),
  price: z.number(),
  pnlBefore: z.number(),
  pnlAfter: z.number(),
});

export const stripSummarySchema = z.object({
  expiry: z.string(),
  expiryYears: z.number(),
  forwardPrice: z.number(),
  /** Base units of forward the strip holds (traded as the delta hedge leg). */
  forwardBase: z.number(),
  cash: z.number(),
  /** Premium of the strip at model prices before / after rounding to lots, USD. */
  premiumUnrounded: z.number(),
  premiumRounded: z.number(),
  continuousPremium: z.number(),
  /** Price interval the listed strikes cover (the strip is exact between them up to the interpolation error). */
  coverage: z.object({ lower: z.number(), upper: z.number() }),
  /** What is not covered beyond the outer strikes (present value, USD). */
  uncoveredBelow: z.number(),
  uncoveredAbove: z.number(),
  /** Largest interpolation error between the outer strikes, USD, and where. */
  maxError: z.number(),
  maxErrorPrice: z.number(),
  /** Largest |LP IL + rounded strip| on a grid over the covered interval, USD (includes the lot rounding). */
  maxErrorRounded: z.number(),
  horizonDays: z.number(),
  expiryDays: z.number(),
  /** Continuous hedge value to the LP horizon minus to the expiry, USD (> 0: the strip is short-dated). */
  expiryMismatchUsd: z.number().nullable(),
});

export const ticketSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  asOfMs: z.number(),
  mode: z.enum(['static', 'dynamic']),
  source: z.object({ kind: z.string(), label: z.string(), dataTimeMs: z.number(), dataTime: z.string() }),
  venue: z.string(),
  underlying: z.string(),
  /** Pool (spot) price the book is valued at, quote per base. */
  price: z.number(),
  positions: z.array(ticketPositionSchema),
  legs: z.array(ticketLegSchema),
  before: greeks,
  after: greeks,
  target: z.object({ delta: z.number(), gamma: z.number() }),
  /** Absolute tolerances the ticket was built to (gamma null: not targeted, static mode). */
  tolerance: z.object({ delta: z.number(), gamma: z.number().nullable(), vega: z.number().nullable() }),
  residual: z.object({ delta: z.number(), gamma: z.number() }),
  totals: z.object({ cost: z.number(), fees: z.number(), premiumUsd: z.number() }),
  optimiser: z
    .object({
      costModel: z.string(),
      candidatesListed: z.number(),
      candidatesEligible: z.number(),
      candidatesUsed: z.number(),
      relaxedCost: z.number(),
      roundedCost: z.number(),
    })
    .nullable(),
  strip: stripSummarySchema.nullable(),
  rebalance: z.object({
    action: z.enum(['none', 'rebalance']),
    band: z.string(),
    halfWidthBase: z.number(),
    deviationBase: z.number(),
    message: z.string(),
    nextReviews: z.array(z.string()),
  }),
  scenarios: z.object({
    spotMoves: z.array(z.number()),
    volShifts: z.array(z.number()),
    horizons: z.array(z.object({ label: z.string(), days: z.number() })),
    rows: z.array(scenarioRowSchema),
    worstBefore: z.number(),
    worstAfter: z.number(),
  }),
  warnings: z.array(warningSchema),
  policy: hedgePolicySchema,
});

export type Ticket = z.infer<typeof ticketSchema>;
export type TicketLeg = z.infer<typeof ticketLegSchema>;
export type TicketWarning = z.infer<typeof warningSchema>;

// --- renderers ----------------------------------------------------------------------------------------------------

function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return '';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e12 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
}

/** Plain aligned text (no colours, no box characters: tickets are pasted into chats and logs). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The default human rendering. */
export function renderTicketText(ticket: Ticket): string {
  const out: string[] = [];
  out.push(
    `ticket ${ticket.id}  ${ticket.mode}  ${ticket.venue} ${ticket.underlying}  created ${ticket.createdAt}`,
    `source ${ticket.source.label} (data time ${ticket.source.dataTime})`,
    `price ${num(ticket.price)}`,
    '',
    'positions',
    table(
      ['id', 'kind', 'model', 'range', 'liquidity', 'price', 'value USD', 'delta', 'gamma'],
      ticket.positions.map((p) => [
        p.id,
        p.kind,
        p.model ?? p.instrument ?? '',
        p.range ? `${num(p.range.lower)}-${p.range.upper === null ? 'inf' : num(p.range.upper)}` : '',
        num(p.liquidity),
        num(p.price),
        num(p.value),
        num(p.delta),
        num(p.gamma),
      ]),
    ),
    '',
    'legs',
    ticket.legs.length === 0
      ? '(none)'
      : table(
          [
            'side',
            'contracts',
            'instrument',
            'base',
            'limit',
            'ccy',
            'bid',
            'ask',
            'iv',
            'delta',
            'gamma',
            'cost USD',
            'fees USD',
          ],
          ticket.legs.map((l) => [
            l.side,
            num(l.contracts),
            l.instrument,
            num(l.baseAmount),
            num(l.limitPrice),
            l.priceCurrency,
            num(l.bid),
            num(l.ask),
            l.iv === null ? '' : num(l.iv, 4),
            num(l.delta),
            num(l.gamma),
            num(l.cost),
            num(l.fees),
          ]),
        ),
    '',
    table(
      ['book', 'delta', 'gamma', 'vega', 'theta/yr'],
      [
        [
          'before',
          num(ticket.before.delta),
          num(ticket.before.gamma),
          num(ticket.before.vega),
          num(ticket.before.theta),
        ],
        ['after', num(ticket.after.delta), num(ticket.after.gamma), num(ticket.after.vega), num(ticket.after.theta)],
        ['target', num(ticket.target.delta), num(ticket.target.gamma), '', ''],
        [
          'tolerance',
          `+-${num(ticket.tolerance.delta)}`,
          ticket.tolerance.gamma === null ? 'n/a' : `+-${num(ticket.tolerance.gamma)}`,
          ticket.tolerance.vega === null ? '' : `+-${num(ticket.tolerance.vega)}`,
          '',
        ],
        ['residual', num(ticket.residual.delta), num(ticket.residual.gamma), '', ''],
      ],
    ),
    '',
    `totals: cost ${num(ticket.totals.cost)} USD, fees ${num(ticket.totals.fees)} USD, premium ${num(ticket.totals.premiumUsd)} USD`,
  );
  if (ticket.optimiser) {
    const o = ticket.optimiser;
    out.push(
      `optimiser: ${o.costModel} cost; ${o.candidatesUsed} of ${o.candidatesEligible} eligible candidates ` +
        `(${o.candidatesListed} listed); relaxed optimum ${num(o.relaxedCost)} USD, whole lots ${num(o.roundedCost)} USD`,
    );
  }
  if (ticket.strip) {
    const s = ticket.strip;
    out.push(
      `strip: expiry ${s.expiry} (${num(s.expiryDays, 4)} d; LP horizon ${num(s.horizonDays, 4)} d), forward ${num(s.forwardPrice)}, ` +
        `forward leg ${num(s.forwardBase)} base`,
      `  premium ${num(s.premiumRounded)} USD in lots (${num(s.premiumUnrounded)} unrounded, continuous ${num(s.continuousPremium)})`,
      `  covers ${num(s.coverage.lower)}..${num(s.coverage.upper)}; max error ${num(s.maxError)} USD at ${num(s.maxErrorPrice)} ` +
        `(${num(s.maxErrorRounded)} USD with lot rounding); uncovered tails ${num(s.uncoveredBelow)} below / ${num(s.uncoveredAbove)} above USD`,
      s.expiryMismatchUsd === null
        ? ''
        : `  expiry mismatch: ${num(s.expiryMismatchUsd)} USD of hedge value between expiry and horizon`,
    );
  }
  out.push(
    `rebalance: ${ticket.rebalance.message} (${ticket.rebalance.band}); next reviews ${ticket.rebalance.nextReviews.join(', ')}`,
    '',
    'scenario P&L after hedge, USD (before in brackets), vol shift 0',
  );
  const volZero = ticket.scenarios.volShifts.includes(0) ? 0 : ticket.scenarios.volShifts[0]!;
  const horizons = ticket.scenarios.horizons.map((h) => h.label);
  out.push(
    table(
      ['move', ...horizons],
      ticket.scenarios.spotMoves.map((m) => [
        `${num(m * 100, 4)}%`,
        ...horizons.map((h) => {
          const row = ticket.scenarios.rows.find((r) => r.horizon === h && r.volShift === volZero && r.spotMove === m);
          return row ? `${num(row.pnlAfter, 5)} (${num(row.pnlBefore, 5)})` : '';
        }),
      ]),
    ),
  );
  if (ticket.warnings.length) {
    out.push('', 'warnings');
    for (const w of ticket.warnings) out.push(`- [${w.code}] ${w.message}`);
  }
  return out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n') + '\n';
}

export function renderTicketJson(ticket: Ticket): string {
  return JSON.stringify(ticket) + '\n';
}

const CSV_COLUMNS = [
  'ticketId',
  'createdAt',
  'mode',
  'venue',
  'instrument',
  'kind',
  'type',
  'strike',
  'expiry',
  'side',
  'contracts',
  'baseAmount',
  'limitPrice',
  'priceCurrency',
  'bid',
  'ask',
  'mid',
  'iv',
  'forward',
  'delta',
  'gamma',
  'vega',
  'theta',
  'cost',
  'fees',
  'premiumUsd',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per leg (the executable part); the ticket id ties the rows to the JSON with the rest. */
export function renderTicketCsv(ticket: Ticket): string {
  const rows = ticket.legs.map((leg) =>
    CSV_COLUMNS.map((c) => {
      if (c === 'ticketId') return csvCell(ticket.id);
      if (c === 'createdAt') return csvCell(ticket.createdAt);
      if (c === 'mode') return csvCell(ticket.mode);
      return csvCell(leg[c as keyof TicketLeg]);
    }).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
