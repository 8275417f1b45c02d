/**
 * The ticket's renderers: a plain-text table (default), JSON and CSV (one row per leg). Text and CSV show vega per
 * vol point and theta per day, labelled so; the JSON is the ticket as validated, Greeks per 1.00 of vol and per year.
 */
import type { Ticket, TicketLeg, TicketVenue } from './ticket.js';
import { displayGreeksOf, vegaPerUnitVolToPerVolPoint } from './units.js';

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
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      // Empty trailing cells would leave trailing blanks, which chats, editors and diffs strip or flag.
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A margin per settle currency, e.g. `0.0123 BTC + 950 USDT`. */
function marginText(v: TicketVenue): string {
  return v.margin.byCurrency.length === 0
    ? '0'
    : v.margin.byCurrency.map((c) => `${num(c.initialMargin)} ${c.currency}`).join(' + ');
}

/** The venues section of a multi-venue ticket: per venue its legs' subtotals and the margin they need there. */
function venuesSection(venues: readonly TicketVenue[]): string[] {
  return [
    '',
    'venues (legs grouped by venue; each venue on its own clock)',
    table(
      [
        'venue',
        'options',
        'clock',
        'legs',
        'premium USD',
        'fees USD',
        'cost USD',
        'notional USD',
        'init. margin',
        'margin USD',
      ],
      venues.map((v) => [
        v.primary ? `${v.venue} (book)` : v.venue,
        v.optionsAllowed ? 'allowed' : 'not allowed',
        v.asOf,
        String(v.legs.length),
        num(v.subtotals.premiumQuote),
        num(v.subtotals.feesQuote),
        num(v.subtotals.costQuote),
        num(v.subtotals.notionalQuote),
        marginText(v),
        num(v.margin.initialMarginQuote),
      ]),
    ),
    `  margin model: ${venues[0]?.margin.model ?? ''}`,
  ];
}

/** The default human rendering. */
export function renderTicketText(ticket: Ticket): string {
  const out: string[] = [];
  // One-venue tickets keep their layout; a venue column and the venues section appear once legs can span venues.
  const multiVenue = (ticket.venues?.length ?? 0) > 1;
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
            ...(multiVenue ? ['venue'] : []),
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
            ...(multiVenue ? [l.venue] : []),
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
      ['book', 'delta', 'gamma', 'vega/vol-pt', 'theta/day'],
      [
        [
          'before',
          num(ticket.before.delta),
          num(ticket.before.gamma),
          num(ticket.beforeDisplay.vegaQuotePerVolPoint),
          num(ticket.beforeDisplay.thetaQuotePerDay),
        ],
        [
          'after',
          num(ticket.after.delta),
          num(ticket.after.gamma),
          num(ticket.afterDisplay.vegaQuotePerVolPoint),
          num(ticket.afterDisplay.thetaQuotePerDay),
        ],
        ['target', num(ticket.target.delta), num(ticket.target.gamma), '', ''],
        [
          'tolerance',
          `+-${num(ticket.tolerance.delta)}`,
          ticket.tolerance.gamma === null ? 'n/a' : `+-${num(ticket.tolerance.gamma)}`,
          ticket.tolerance.vega === null ? '' : `+-${num(vegaPerUnitVolToPerVolPoint(ticket.tolerance.vega))}`,
          '',
        ],
        ['residual', num(ticket.residual.delta), num(ticket.residual.gamma), '', ''],
      ],
    ),
    '',
    `totals: cost ${num(ticket.totals.cost)} USD, fees ${num(ticket.totals.fees)} USD, premium ${num(ticket.totals.premiumQuote)} USD`,
  );
  if (ticket.optimiser) {
    const o = ticket.optimiser;
    out.push(
      `optimiser: ${o.costModel} cost; ${o.candidatesUsed} of ${o.candidatesEligible} eligible candidates ` +
        `(${o.candidatesListed} listed); relaxed optimum ${num(o.relaxedCost)} USD, whole lots ${num(o.roundedCost)} USD`,
    );
  }
  if (multiVenue) out.push(...venuesSection(ticket.venues!));
  if (ticket.strip) {
    const s = ticket.strip;
    out.push(
      `strip: expiry ${s.expiry} (${num(s.expiryDays, 4)} d; LP horizon ${num(s.horizonDays, 4)} d), forward ${num(s.forwardPrice)}, ` +
        `forward leg ${num(s.forwardBase)} base`,
      `  premium ${num(s.premiumRounded)} USD in lots (${num(s.premiumUnrounded)} unrounded, continuous ${num(s.continuousPremium)})`,
      `  covers ${num(s.coverage.lower)}..${num(s.coverage.upper)}; max error ${num(s.maxError)} USD at ${num(s.maxErrorPrice)} ` +
        `(${num(s.maxErrorRounded)} USD with lot rounding); uncovered tails ${num(s.uncoveredBelow)} below / ${num(s.uncoveredAbove)} above USD`,
      s.expiryMismatchQuote === null
        ? ''
        : `  expiry mismatch: ${num(s.expiryMismatchQuote)} USD of hedge value between expiry and horizon`,
    );
  }
  if (ticket.carry) {
    const c = ticket.carry;
    const apr = (x: number | null) => (x === null ? 'n/a' : `${num(x * 100, 4)}%/yr`);
    out.push(
      '',
      `carry over ${num(c.horizonDays, 4)} d at vol ${num(c.vol, 4)} (${c.thetaBasis}), USD; LP value ${num(c.lpValueQuote)}`,
      table(
        ['carry', 'unhedged', 'hedged'],
        [
          ['expected fees', num(c.expectedFeesQuote), num(c.expectedFeesQuote)],
          ['LVR (hedged: left)', num(-c.lvrQuote), num(-c.lvrLeftQuote)],
          ['hedge cost', '0', num(-c.hedgeCostQuote)],
          ['  spread + fees', '', num(-c.spreadAndFeesQuote)],
          ['  option decay', '', num(-c.optionDecayQuote)],
          ["  legs' gamma income in LVR", '', num(c.gammaIncomeQuote)],
          ['net', num(c.netQuote.unhedged), num(c.netQuote.hedged)],
          ['break-even fee APR', apr(c.breakEvenFeeApr.unhedged), apr(c.breakEvenFeeApr.hedged)],
        ],
      ),
      ...c.assumptions.map((a) => `  assumed: ${a}`),
      '',
    );
  }
  if (ticket.horizon) {
    const h = ticket.horizon;
    out.push(
      '',
      `horizon: ${h.objective} objective, ${num(h.horizonDays, 4)} d to ${h.horizonEnd}, legs rolled ` +
        `${num(h.rollBeforeExpiryHours, 4)} h before expiry; expected cost ${num(h.expectedCostQuote)} USD = entry ` +
        `${num(h.entryCostQuote)} + rolls ${num(h.rollCostQuote)} + close ${num(h.closeCostQuote)} + funding ` +
        `${num(h.fundingQuote)} + vega ${num(h.vegaChargeQuote)}; ${num(h.costPerDayQuote)} USD per day of protection`,
      table(
        ['when', 'action', 'instrument', 'base', 'into', 'base into', 'cost USD'],
        h.calendar.map((s) => [
          s.at,
          s.action,
          s.instrument,
          num(s.baseAmount),
          s.into ?? '',
          s.intoBaseAmount === null ? '' : num(s.intoBaseAmount),
          num(s.costQuote),
        ]),
      ),
      ...(h.funding
        ? [
            `  funding: ${h.funding.instrument} ${num(h.funding.baseAmount)} base at ${num(h.funding.carryApr * 100, 4)}%/yr ` +
              `(${h.funding.source}): ${num(h.funding.quote)} USD`,
          ]
        : []),
      ...(h.uncoveredDays > 0
        ? [`  uncovered: ${num(h.uncoveredDays, 4)} d of the horizon beyond the listed expiries`]
        : []),
      '',
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
  'vega/vol-pt',
  'theta/day',
  'cost',
  'fees',
  'premiumQuote',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per leg (the executable part); the ticket id ties the rows to the JSON with the rest. Like the text, the
 * CSV shows vega per vol point and theta per day (`vega/vol-pt`, `theta/day`); the JSON legs keep per 1.00 and per
 * year.
 */
export function renderTicketCsv(ticket: Ticket): string {
  const rows = ticket.legs.map((leg) =>
    CSV_COLUMNS.map((c) => {
      if (c === 'ticketId') return csvCell(ticket.id);
      if (c === 'createdAt') return csvCell(ticket.createdAt);
      if (c === 'mode') return csvCell(ticket.mode);
      if (c === 'vega/vol-pt') return csvCell(displayGreeksOf(leg).vegaQuotePerVolPoint);
      if (c === 'theta/day') return csvCell(displayGreeksOf(leg).thetaQuotePerDay);
      return csvCell(leg[c as keyof TicketLeg]);
    }).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
