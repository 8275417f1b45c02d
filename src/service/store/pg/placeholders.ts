/**
 * The store's SQL is written with SQLite's `?` placeholders (sql.ts); PostgreSQL numbers them (`$1`, `$2`, ...).
 * `numberPlaceholders` rewrites one into the other, leaving alone every `?` that is not a placeholder: inside a
 * string literal ('...', E'...' with backslash escapes), a quoted identifier ("..."), a dollar-quoted body
 * ($$...$$, $tag$...$tag$, as in the migrations' plpgsql functions) or a comment (-- and /* *\/). A conversion is
 * cached by its text: the store runs a few dozen distinct statements, each many times.
 */

export interface NumberedSql {
  /** The statement with `$n` placeholders. */
  text: string;
  /** How many placeholders it has: the number of parameters it must be given. */
  count: number;
}

/** Past this many distinct statements the cache is cleared (a bound against SQL built with literals in it). */
const CACHE_LIMIT = 2_000;
const cache = new Map<string, NumberedSql>();

/** The index just past the end of a quoted run opened at `start` by `quote` ('"' or "'"). */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      // A doubled quote is an escaped quote, not the end.
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The tag of a dollar quote (`$$` or `$name$`) starting at `start`, or null when `$` starts something else. */
function dollarTag(sql: string, start: number): string | null {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start, start + 64));
  return match ? match[0] : null;
}

function convert(sql: string): NumberedSql {
  let out = '';
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    let end = i + 1;
    if (c === '?') {
      out += `$${++count}`;
      i++;
      continue;
    }
    if (c === "'") {
      const escaped = i > 0 && /[eE]/.test(sql[i - 1]!) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ' ');
      end = skipQuoted(sql, i, "'", escaped);
    } else if (c === '"') {
      end = skipQuoted(sql, i, '"', false);
    } else if (c === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      end = newline < 0 ? sql.length : newline;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (c === '$') {
      const tag = dollarTag(sql, i);
      if (tag !== null) {
        const close = sql.indexOf(tag, i + tag.length);
        end = close < 0 ? sql.length : close + tag.length;
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  return { text: out, count };
}

/** `sql` with its `?` placeholders numbered `$1..$n` (cached). */
export function numberPlaceholders(sql: string): NumberedSql {
  let converted = cache.get(sql);
  if (converted === undefined) {
    converted = convert(sql);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(sql, converted);
  }
  return converted;
}
