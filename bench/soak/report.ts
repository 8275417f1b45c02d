/** The soak report as text: the verdict, the machine, per-window latency and the level-off checks. */
import type { LatencySummary } from './histogram.js';
import type { GrowthCheck } from './levels.js';
import { CLIENT_KINDS } from './protocol.js';
import type { SoakReport } from './analysis.js';

const MIB = 1024 * 1024;

function ms(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function amount(value: number, unit: GrowthCheck['unit']): string {
  return unit === 'bytes' ? `${(value / MIB).toFixed(2)} MiB` : `${value.toFixed(1)}`;
}

function signed(value: number, unit: GrowthCheck['unit']): string {
  return (value >= 0 ? '+' : '') + amount(value, unit);
}

function levelLine(label: string, check: GrowthCheck): string {
  const first = check.growthFirstHalf === null ? '-' : signed(check.growthFirstHalf, check.unit);
  const last = check.growthLastHalf === null ? '-' : signed(check.growthLastHalf, check.unit);
  return (
    `  ${label}: ${check.ok ? 'level' : 'NOT LEVEL'}; growth in the last half ${last} (first half ${first}); ` +
    `median ${amount(check.medianLevel, check.unit)}, range ${amount(check.minLevel, check.unit)}-` +
    `${amount(check.maxLevel, check.unit)}, ${check.samples} samples; threshold ${amount(check.threshold, check.unit)} ` +
    `= ${check.thresholdRule}${check.ok ? '' : ` (${check.reason})`}`
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

function latency(s: LatencySummary): string {
  return s.count === 0 ? '-' : `${ms(s.p50Ms)} / ${ms(s.p99Ms)}`;
}

export function formatReport(report: SoakReport): string {
  const { machine, config } = report;
  const out: string[] = [];
  out.push(`ilhedge soak: ${report.ok ? 'PASS' : 'FAIL'}`);
  out.push(
    `machine: ${machine.cpu} x${machine.cores}, node ${machine.node}, ${machine.platform}; ` +
      `${machine.startedAt} to ${machine.endedAt}; load average ${machine.loadAverageStart.join(' ')} at the start, ` +
      `${machine.loadAverageEnd.join(' ')} at the end; open files limit ${machine.openFilesLimit ?? 'unknown'}`,
  );
  const c = config.counts;
  out.push(
    `load: ${config.clients} websocket clients (${c.steady} steady, ${c.slow} slow readers on ${config.slowSubscriptions} ` +
      `positions and the book, ${c.reconnecting} reconnecting, ${c.garbage} sending garbage), ${config.positions} ` +
      `positions, ${config.ticksPerSec} ticks/s; ${(config.durationMs / 60_000).toFixed(2)} min measured after a ` +
      `${(config.warmupMs / 1000).toFixed(0)} s warm-up; windows of ${(config.windowMs / 1000).toFixed(0)} s; ` +
      `suggestions ${config.suggestions ? 'on' : 'off'}; service pid ${report.pids.service}, clients pid ` +
      `${report.pids.clients ?? '-'}`,
  );
  out.push('');
  out.push('tick-to-push of the steady clients per window (ms; the clients are in another process on the same clock, ');
  out.push(`offset ${ms(report.clock.offsetMs)} ms at a ${ms(report.clock.rttMs)} ms IPC round trip):`);
  out.push(
    table(
      [
        'window',
        'ticks/s',
        'p50',
        'p99',
        'p99.9',
        'max',
        'delivered',
        'server tick p50/p99',
        'loop p99 svc/cli',
        'reconn. p50/p99',
        'slow p50/p99',
        'forced GC',
        'RSS MiB',
        'fds',
        'clients',
      ],
      report.windows.map((w) => [
        `${w.index + 1}`,
        (w.ticks / ((w.toMs - w.fromMs) / 1000)).toFixed(1),
        ms(w.tickToPush.p50Ms),
        ms(w.tickToPush.p99Ms),
        ms(w.tickToPush.p999Ms),
        ms(w.tickToPush.maxMs),
        w.steadyDeliveredShare.toFixed(3),
        latency(w.serverTick),
        `${ms(w.serverLoopDelayP99Ms)} / ${ms(w.clientLoopDelayP99Ms)}`,
        latency(w.byKind.reconnecting),
        latency(w.byKind.slow),
        w.forcedGcs === 0 ? '-' : `${w.forcedGcs} (max ${ms(w.forcedGcMaxMs)})`,
        (w.rssEnd / MIB).toFixed(1),
        w.fdsEnd === null ? '-' : String(w.fdsEnd),
        String(w.wsClientsEnd),
      ]),
    ),
  );
  out.push(
    `totals: ${report.totals.ticks} ticks, ${report.totals.messagesSent} hedge messages sent, ` +
      `${report.totals.conflated} conflated for slow readers; steady p99 of the worst window ` +
      `${ms(report.totals.tickToPushWorstWindow.p99Ms)} ms; ${report.totals.forcedGc.count} forced full GCs for the ` +
      `live heap, pause p50 ${ms(report.totals.forcedGc.p50Ms)} ms, max ${ms(report.totals.forcedGc.maxMs)} ms ` +
      '(a stall delays the ticks due, so it shows in ticks/s and loop delay, not in tick-to-push)',
  );
  out.push('');
  out.push('levels (Theil-Sen growth over each half of the measured period):');
  out.push(levelLine('RSS', report.levels.rss));
  out.push(levelLine(`heap (${report.levels.heapMeasure})`, report.levels.heap));
  if (report.levels.fds) {
    out.push(
      levelLine('open descriptors (/proc/self/fd; reported, not judged: moves with the clients)', report.levels.fds),
    );
  } else out.push('  open descriptors: not measured (no /proc/self/fd)');
  if (report.levels.fdsBesideClients) {
    out.push(levelLine('descriptors beside the websocket clients (fds - clients)', report.levels.fdsBesideClients));
  }
  out.push(
    `  most websocket clients held by the service at a sample: ${report.maxServiceClients} (of ${config.clients})`,
  );
  out.push('');
  const o = report.order.total;
  out.push(`order (the whole run, warm-up included), on ${report.orderField}:`);
  out.push(
    `  ${o.messages} messages checked, ${o.outOfOrder} out of order, ${o.duplicates} duplicates, ${o.resent} resent ` +
      `on reconnect, ${o.skipped} ticks skipped by conflation, ${o.malformed} unreadable`,
  );
  for (const kind of CLIENT_KINDS) {
    const k = report.order.byKind[kind];
    out.push(
      `  ${kind}: ${k.messages} messages, ${k.outOfOrder} out of order, ${k.skipped} skipped, ${k.resent} resent`,
    );
  }
  for (const v of o.violations) {
    out.push(
      `  violation: client ${v.client} connection ${v.connection} ${v.key}: seq ${v.seq} after ${v.previousSeq}`,
    );
  }
  out.push('');
  const cl = report.clients;
  out.push(
    `clients: ready after ${cl.readyAfterMs.toFixed(0)} ms; connections ` +
      CLIENT_KINDS.map((k) => `${k} ${cl.connects[k]}`).join(', ') +
      `; open at the end ` +
      CLIENT_KINDS.map((k) => `${k} ${cl.openAtStop[k]}/${cl.counts[k]}`).join(', '),
  );
  out.push(
    '  close codes: ' +
      CLIENT_KINDS.map(
        (k) =>
          `${k} {${Object.entries(cl.closeCodes[k])
            .map(([code, n]) => `${code}: ${n}`)
            .join(', ')}}`,
      ).join(', '),
  );
  out.push(
    '  garbage: ' +
      cl.garbageOutcomes
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.outcome.localeCompare(b.outcome))
        .map((g) => `${g.kind} -> ${g.outcome} x${g.count}`)
        .join(', ') +
      `; not refused: ${cl.garbageNotRefused}`,
  );
  out.push(
    `  upgrades refused (other than bad keys): ${JSON.stringify(cl.upgradeRejections)}; client errors ${cl.errors}` +
      (cl.errorExamples.length > 0 ? ` (${cl.errorExamples.join('; ')})` : '') +
      `; slow-reader pauses ${cl.slowPauses}`,
  );
  if (report.warnings.length > 0) {
    out.push('');
    out.push('warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  if (report.failures.length > 0) {
    out.push('');
    out.push('failures:');
    for (const f of report.failures) out.push(`  - ${f}`);
  }
  return out.join('\n') + '\n';
}
