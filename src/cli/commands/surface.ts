/**
 * `ilhedge surface`: the raw SVI vol surface of a venue's chain (one slice per expiry, Zeliade quasi-explicit fit to
 * the mark IVs), its errors in vol points against the marks and their bid-ask spreads, the butterfly (g(k) >= 0)
 * and calendar (total variance non-decreasing in T) checks, and optionally a plot of the smiles (SVG or HTML).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { MarketVolSurface } from '../../../hedging/surface.js';
import { CliError, EXIT_USAGE, formatNumber } from '../output.js';
import { asCliErrors, describeSource, loadAdapters, parseVenue } from './chain.js';

interface SurfaceOptions {
  venue: string;
  underlying: string;
  source: string;
  settle?: string;
  weighting: string;
  arbitrage: string;
  plot?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('surface')
    .description(
      'The vol surface of a venue and underlying: a raw SVI slice per expiry (Gatheral) fitted to the mark IVs\n' +
        '(Zeliade quasi-explicit calibration, weighted by 1/bid-ask spread in vol or by vega), with per expiry the\n' +
        'parameters, the RMSE and worst error in vol points, the median bid-ask half-spread it is judged against,\n' +
        'the butterfly check (min of g(k) on a dense grid) and the calendar check (total variance non-decreasing in\n' +
        'T at fixed k = ln(K/F)); arbitrage is repaired (default) or refused. --plot writes the smiles as SVG or HTML.',
    )
    .requiredOption('--venue <venue>', 'deribit | okx | bybit | binance')
    .requiredOption('--underlying <coin>', 'underlying coin, e.g. BTC')
    .option('--source <source>', 'builtin | live | replay:<file>', 'builtin')
    .option('--settle <coin>', 'Deribit: USDC for the linear options')
    .option('--weighting <w>', 'spread (1 / bid-ask spread in vol) | vega', 'spread')
    .option('--arbitrage <policy>', 'repair | refuse', 'repair')
    .option('--plot <file>', 'write the smiles (market marks and fitted SVI) to an .svg or .html file')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: SurfaceOptions) => {
      await runSurface(options);
    });
}

export async function runSurface(options: SurfaceOptions, nowMs = Date.now()): Promise<void> {
  const adapters = await loadAdapters();
  const { printJson, renderTable } = await import('../output.js');
  const venue = parseVenue(options.venue, adapters.isVenue);
  if (options.weighting !== 'spread' && options.weighting !== 'vega')
    throw new CliError(`--weighting: expected spread or vega, got ${JSON.stringify(options.weighting)}`, EXIT_USAGE);
  if (options.arbitrage !== 'repair' && options.arbitrage !== 'refuse')
    throw new CliError(`--arbitrage: expected repair or refuse, got ${JSON.stringify(options.arbitrage)}`, EXIT_USAGE);
  if (options.plot !== undefined && !/\.(svg|html?)$/i.test(options.plot))
    throw new CliError(
      `--plot: expected a file ending in .svg or .html, got ${JSON.stringify(options.plot)}`,
      EXIT_USAGE,
    );
  const source = await asCliErrors(async () => adapters.parseSourceSpec(options.source));
  const snapshot = await asCliErrors(() =>
    adapters.loadMarketSnapshot({
      venue,
      underlying: options.underlying.toUpperCase(),
      settle: options.settle?.toUpperCase(),
      source,
      asOfMs: source.kind === 'live' ? nowMs : undefined,
    }),
  );
  const { buildVolSurface } = await import('../../../hedging/surface.js');
  const fit = buildVolSurface(snapshot, snapshot.asOfMs, {
    weighting: options.weighting,
    arbitrage: options.arbitrage,
  });
  const src = describeSource(snapshot.source, snapshot.asOfMs, nowMs, adapters.formatAge);
  const rows = fit.surface.slices.map((s, i) => {
    const data = fit.sources[i]!;
    const inside = data.points.filter(
      (p, j) => p.halfSpreadVolPoints !== null && Math.abs(s.residualsVolPoints[j]!) <= p.halfSpreadVolPoints,
    ).length;
    const cal = fit.surface.calendar.find((c) => c.index === i) ?? null;
    const atmW = s.params.a + s.params.b * (-s.params.rho * s.params.m + Math.hypot(s.params.m, s.params.sigma));
    return {
      expiry: data.expiryIso,
      expiryYears: s.expiryYears,
      forward: s.forward,
      forwardSource: data.forwardSource,
      points: s.points,
      params: s.params,
      atmVol: Math.sqrt(Math.max(0, atmW) / s.expiryYears),
      rmseVolPoints: s.rmseVolPoints,
      rmseUnweightedVolPoints: s.rmseUnweightedVolPoints,
      maxAbsErrorVolPoints: s.maxAbsErrorVolPoints,
      maxErrorStrike: data.forward * Math.exp(s.maxErrorLogMoneyness),
      medianHalfSpreadVolPoints: data.medianHalfSpreadVolPoints,
      withinSpreadFraction: inside / data.points.length,
      butterfly: {
        minDensity: s.butterfly.minDensity,
        atLogMoneyness: s.butterfly.atLogMoneyness,
        repaired: s.butterflyRepaired,
      },
      calendar: cal && {
        worstShortfall: cal.worstShortfall,
        atLogMoneyness: cal.atLogMoneyness,
        repairA: cal.repairA,
        repairAtmVolPoints: cal.repairAtmVolPoints,
        wingsOrdered: cal.wingsOrdered,
      },
    };
  });
  if (options.plot !== undefined) writePlot(options.plot, fit);
  if (options.json) {
    const { text: _text, ...sourceJson } = src;
    printJson({
      venue,
      underlying: snapshot.underlying,
      source: sourceJson,
      weighting: fit.weighting,
      arbitragePolicy: options.arbitrage,
      checkGrid: fit.surface.checkRange,
      arbitrageFree: fit.surface.arbitrageFree,
      optionsListed: fit.optionsListed,
      pointsUsed: fit.pointsUsed,
      interpolation:
        'linear in total variance at fixed k = ln(K/F) between expiries; flat vol before the first, flat forward variance after the last',
      slices: rows,
      plot: options.plot ?? null,
    });
    return;
  }
  const n = (x: number, d = 4) => Number(x.toPrecision(d));
  const out: string[] = [src.text];
  out.push(
    `${venue} ${snapshot.underlying}: ${rows.length} expiries, ${fit.pointsUsed} strikes fitted (of ${fit.optionsListed} options; one OTM mark IV per strike), ` +
      `weighting ${fit.weighting === 'spread' ? '1 / bid-ask spread in vol' : 'Black vega'}, arbitrage ${options.arbitrage}`,
    '',
  );
  out.push(
    renderTable(rows, [
      { header: 'expiry', value: (r) => r.expiry.slice(0, 10), align: 'left' },
      { header: 'T (y)', value: (r) => n(r.expiryYears) },
      { header: 'forward', value: (r) => n(r.forward, 7) },
      { header: 'n', value: (r) => r.points },
      { header: 'a', value: (r) => r.params.a.toPrecision(4) },
      { header: 'b', value: (r) => n(r.params.b) },
      { header: 'rho', value: (r) => n(r.params.rho) },
      { header: 'm', value: (r) => n(r.params.m) },
      { header: 'sigma', value: (r) => n(r.params.sigma) },
      { header: 'ATM vol', value: (r) => n(r.atmVol) },
      { header: 'RMSE vp', value: (r) => n(r.rmseVolPoints, 3) },
      { header: 'max vp', value: (r) => n(r.maxAbsErrorVolPoints, 3) },
      {
        header: 'half-spr vp',
        value: (r) => (r.medianHalfSpreadVolPoints === null ? null : n(r.medianHalfSpreadVolPoints, 3)),
      },
      { header: 'in spread', value: (r) => `${Math.round(r.withinSpreadFraction * 100)}%` },
      { header: 'min g', value: (r) => r.butterfly.minDensity.toPrecision(3) },
      { header: 'butterfly', value: (r) => (r.butterfly.repaired ? 'repaired' : 'ok'), align: 'left' },
      {
        header: 'calendar',
        value: (r) =>
          r.calendar === null ? '-' : r.calendar.repairA > 0 ? `a+${formatNumber(r.calendar.repairA, 3)}` : 'ok',
        align: 'left',
      },
    ]),
  );
  const g = fit.surface.checkRange;
  out.push(
    '',
    'vp = vol points (0.01); RMSE is weighted as fitted, max is the worst strike; half-spr is the median bid-ask half-spread in vol,',
    "in spread = share of strikes whose fitted vol lies inside that strike's bid-ask in vol.",
    `checks on ${g.points} points of k = ln(K/F) in [${g.lo.toFixed(3)}, ${g.hi.toFixed(3)}]: butterfly g(k) >= 0 per slice, calendar w(k, T) non-decreasing; ` +
      `surface ${fit.surface.arbitrageFree ? 'arbitrage-free on the grid' : 'NOT arbitrage-free'}.`,
    'between expiries: linear in total variance at fixed k; before the first: flat vol; after the last: flat forward variance.',
  );
  if (options.plot !== undefined) out.push(`plot written to ${options.plot}`);
  process.stdout.write(out.join('\n') + '\n');
}

// --- the plot -----------------------------------------------------------------------------------------------------

const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#000000',
];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The smiles (market marks as dots, SVI as lines) in vol % against k = ln(K/F), as a self-contained SVG. */
export function surfaceSvg(fit: MarketVolSurface): string {
  const W = 1000;
  const H = 620;
  const L = 60;
  const R = 200;
  const T = 40;
  const B = 50;
  let kLo = Infinity;
  let kHi = -Infinity;
  let vHi = 0;
  let vLo = Infinity;
  for (const s of fit.sources)
    for (const p of s.points) {
      kLo = Math.min(kLo, p.logMoneyness);
      kHi = Math.max(kHi, p.logMoneyness);
      vHi = Math.max(vHi, p.impliedVol * 100);
      vLo = Math.min(vLo, p.impliedVol * 100);
    }
  vLo = Math.max(0, Math.floor(vLo / 10) * 10);
  vHi = Math.ceil(vHi / 10) * 10;
  const x = (k: number) => L + ((k - kLo) / (kHi - kLo)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - vLo) / (vHi - vLo)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="24" font-size="15">${escapeXml(`${fit.venue} ${fit.underlying} raw SVI smiles (lines) vs mark IVs (dots), as of ${new Date(fit.asOfMs).toISOString()}`)}</text>`,
  ];
  for (let v = vLo; v <= vHi; v += 10) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v}%</text>`);
  }
  const step = (kHi - kLo) / 8;
  for (let i = 0; i <= 8; i++) {
    const k = kLo + i * step;
    parts.push(`<line x1="${x(k)}" x2="${x(k)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`);
    parts.push(`<text x="${x(k)}" y="${H - B + 16}" text-anchor="middle">${k.toFixed(2)}</text>`);
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">log-forward-moneyness k = ln(K/F)</text>`,
  );
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`);
  fit.surface.slices.forEach((s, i) => {
    const src = fit.sources[i]!;
    const colour = COLOURS[i % COLOURS.length]!;
    const ks = src.points.map((p) => p.logMoneyness);
    const lo = Math.min(...ks);
    const hi = Math.max(...ks);
    const pts: string[] = [];
    for (let j = 0; j <= 200; j++) {
      const k = lo + ((hi - lo) * j) / 200;
      const p = s.params;
      const w = p.a + p.b * (p.rho * (k - p.m) + Math.sqrt((k - p.m) ** 2 + p.sigma ** 2));
      const v = Math.sqrt(Math.max(0, w) / s.expiryYears) * 100;
      if (v >= vLo && v <= vHi) pts.push(`${x(k).toFixed(1)},${y(v).toFixed(1)}`);
    }
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    for (const p of src.points)
      parts.push(
        `<circle cx="${x(p.logMoneyness).toFixed(1)}" cy="${y(p.impliedVol * 100).toFixed(1)}" r="2.2" fill="${colour}"/>`,
      );
    const ly = T + 10 + i * 18;
    parts.push(
      `<line x1="${W - R + 15}" x2="${W - R + 35}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(
      `<text x="${W - R + 40}" y="${ly + 4}">${escapeXml(`${src.expiryIso.slice(0, 10)}  ${s.rmseVolPoints.toFixed(2)} vp`)}</text>`,
    );
  });
  parts.push(
    `<text x="${W - R + 15}" y="${T + 14 + fit.surface.slices.length * 18}" fill="#555">RMSE in vol points</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

function writePlot(file: string, fit: MarketVolSurface): void {
  const svg = surfaceSvg(fit);
  const body = /\.svg$/i.test(file)
    ? svg
    : `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeXml(`${fit.venue} ${fit.underlying} vol surface`)}</title></head><body>\n${svg}\n</body></html>\n`;
  try {
    writeFileSync(file, body);
  } catch (error) {
    throw new CliError(`--plot: cannot write ${file}: ${(error as Error).message}`);
  }
}
