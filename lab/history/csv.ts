/**
 * A small CSV reader for history files: a header line, comma-separated fields, no quoting (the fixtures and the
 * venues' exports have none; a quote character is refused by name). Blank lines are skipped. Every failure is a
 * `HistoryFormatError` naming the file, the line (the header is line 1) and the column.
 */
import { HistoryFormatError } from '../errors.js';

export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
  /** 1-based line number of each row. */
  lines: number[];
}

export function parseCsv(text: string, file: string): CsvTable {
  const rawLines = text.split(/\r?\n/);
  let headerIndex = rawLines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new HistoryFormatError(file, null, null, 'empty file: expected a header line');
  const header = rawLines[headerIndex]!.split(',').map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = headerIndex + 1; i < rawLines.length; i++) {
    const line = rawLines[i]!;
    if (line.trim() === '') continue;
    if (line.includes('"')) throw new HistoryFormatError(file, i + 1, null, 'quoted fields are not supported');
    const cells = line.split(',');
    if (cells.length !== header.length)
      throw new HistoryFormatError(file, i + 1, null, `expected ${header.length} fields, found ${cells.length}`);
    rows.push(cells);
    lines.push(i + 1);
  }
  headerIndex = 0;
  if (rows.length === 0) throw new HistoryFormatError(file, null, null, 'no data rows after the header');
  return { file, header, rows, lines };
}

export function columnIndex(table: CsvTable, name: string): number {
  const i = table.header.indexOf(name);
  if (i < 0)
    throw new HistoryFormatError(table.file, 1, name, `missing column; the header has ${table.header.join(', ')}`);
  return i;
}

export function hasColumn(table: CsvTable, name: string): boolean {
  return table.header.includes(name);
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Epoch milliseconds below this (2001-09-09) are taken for seconds and refused: say `ms` explicitly. */
const MIN_EPOCH_MS = 1e12;

/** ISO-8601 (a date, or a date-time in UTC or with an offset; no zone means UTC) or epoch milliseconds. */
export function parseTimestampMs(raw: string, file: string, line: number, column: string): number {
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    const ms = Number(s);
    if (ms < MIN_EPOCH_MS)
      throw new HistoryFormatError(
        file,
        line,
        column,
        `timestamp ${s} looks like epoch seconds; give milliseconds or ISO-8601`,
      );
    return ms;
  }
  if (!ISO.test(s))
    throw new HistoryFormatError(file, line, column, `not an ISO-8601 time or epoch ms: ${JSON.stringify(s)}`);
  const withZone = /T/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s + 'Z' : s;
  const ms = Date.parse(withZone);
  if (!Number.isFinite(ms)) throw new HistoryFormatError(file, line, column, `invalid date ${JSON.stringify(s)}`);
  return ms;
}

export function parseNumberCell(raw: string, file: string, line: number, column: string): number {
  const s = raw.trim();
  const value = s === '' ? NaN : Number(s);
  if (!Number.isFinite(value)) throw new HistoryFormatError(file, line, column, `not a number: ${JSON.stringify(s)}`);
  return value;
}

/** A time series read from one CSV: strictly increasing times (ms), one value per time. */
export interface Series {
  file: string;
  timesMs: Float64Array;
  values: Float64Array;
}

export interface SeriesSpec {
  /** Column holding the value. */
  column: string;
  /** Keep only rows whose `filter.column` equals `filter.value` (long-format files, e.g. `currency` = `ETH`). */
  filter?: { column: string; value: string } | null;
  /** Refuse values that are not strictly positive (prices). */
  positive?: boolean;
  timestampColumn?: string;
}

/** Reads one value column against the `timestamp` column; rows must be in strictly increasing time. */
export function readSeries(table: CsvTable, spec: SeriesSpec): Series {
  const tsName = spec.timestampColumn ?? 'timestamp';
  const t = columnIndex(table, tsName);
  const v = columnIndex(table, spec.column);
  const f = spec.filter ? columnIndex(table, spec.filter.column) : -1;
  const times: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    const line = table.lines[r]!;
    if (f >= 0 && row[f]!.trim() !== spec.filter!.value) continue;
    const ms = parseTimestampMs(row[t]!, table.file, line, tsName);
    const value = parseNumberCell(row[v]!, table.file, line, spec.column);
    if (spec.positive && !(value > 0))
      throw new HistoryFormatError(table.file, line, spec.column, `must be greater than 0 (got ${value})`);
    const prev = times.length > 0 ? times[times.length - 1]! : -Infinity;
    if (!(ms > prev))
      throw new HistoryFormatError(
        table.file,
        line,
        tsName,
        `times must be strictly increasing: ${new Date(ms).toISOString()} follows ${new Date(prev).toISOString()}` +
          (f < 0 ? '' : ` (rows with ${spec.filter!.column} = ${spec.filter!.value})`),
      );
    times.push(ms);
    values.push(value);
  }
  if (times.length === 0)
    throw new HistoryFormatError(
      table.file,
      null,
      spec.filter ? spec.filter.column : null,
      spec.filter ? `no rows with ${spec.filter.column} = ${spec.filter.value}` : 'no rows',
    );
  return { file: table.file, timesMs: Float64Array.from(times), values: Float64Array.from(values) };
}

/**
 * As-of join: for each time in `at`, the index of the last series time at or before it (-1 when the series starts
 * later). `at` must be increasing.
 */
export function asOfIndices(series: { timesMs: Float64Array }, at: Float64Array): Int32Array {
  const out = new Int32Array(at.length);
  let j = -1;
  const n = series.timesMs.length;
  for (let i = 0; i < at.length; i++) {
    while (j + 1 < n && series.timesMs[j + 1]! <= at[i]!) j++;
    out[i] = j;
  }
  return out;
}
