/**
 * The README's console examples as data: which commands it tells a user to type and what it says they print,
 * and the comparison of a real run against that text. Used by readme.test.ts (which runs them) and
 * readmeParse.test.ts (which checks the comparison itself fails where it should).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));

export interface ReadmeExample {
  /** Its name in test output: the README line and the command's first line. */
  name: string;
  /** 1-based README line of the `$ ` line. */
  line: number;
  /** The command exactly as printed, continuation lines (`\` + newline) included, without the `$ ` prompt. */
  command: string;
  /** The output lines the README prints under it; a line `...` stands for lines left out. */
  expected: string[];
  /**
   * Shell assignments (`$ F=test/fixtures/history`) typed earlier in the same block: a user's shell still has
   * them when this command runs, so they run before it in the same `sh`.
   */
  setup: string[];
  /** Set when the fence is preceded by `<!-- readme-test: needs-network: <reason> -->`. */
  needsNetwork?: string;
}

/** A `$ ` line that only sets a shell variable (no output of its own). */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=[^\s;|&<>`$]*$/;

/** Commands in console blocks that are not CLI examples, with the test that covers them instead. */
export const NOT_CLI: readonly { prefix: string; coveredBy: string }[] = [
  { prefix: 'npm start', coveredBy: 'test/readme/npmStart.test.ts starts exactly what `npm start` runs' },
  // The curl lines need the key `npm start` printed: the npm start test sends them to the service it started.
  { prefix: 'curl ', coveredBy: 'test/readme/npmStart.test.ts sends them to the service `npm start` started' },
];

const NETWORK_MARK = /^<!--\s*readme-test:\s*needs-network:\s*(.+?)\s*-->$/;

/** Every `$ ` command of every ```console block, with the output lines that follow it. */
export function extractExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```console') continue;
    const mark = NETWORK_MARK.exec(previousNonBlank(lines, i) ?? '');
    let current: ReadmeExample | undefined;
    const setup: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j] !== '```'; j++) {
      const text = lines[j]!;
      if (text.startsWith('$ ')) {
        let command = text.slice(2);
        const line = j + 1;
        if (ASSIGNMENT.test(command)) {
          setup.push(command);
          current = undefined; // output right under an assignment is refused below
          continue;
        }
        // A trailing backslash continues the command on the next line, as in sh.
        while (command.endsWith('\\') && j + 1 < lines.length) command += '\n' + lines[++j];
        const first = command.split('\n')[0]!.replace(/\s*\\$/, '');
        // A piped example is named by what it pipes into, e.g. "printf '%s\n' ... | npx ilhedge batch".
        const pipe =
          command.includes('\n') && command.includes('|')
            ? ` ... | ${command.slice(command.lastIndexOf('|') + 1).trim()}`
            : '';
        current = { name: `README:${line} ${first}${pipe}`, line, command, expected: [], setup: [...setup] };
        if (mark) current.needsNetwork = mark[1]!;
        examples.push(current);
      } else if (current) {
        current.expected.push(text);
      } else {
        throw new Error(
          `README.md:${j + 1}: console block has output before any "$ " command (or under an assignment)`,
        );
      }
    }
    if (j >= lines.length) throw new Error(`README.md:${i + 1}: console block is not closed`);
    i = j;
  }
  return examples;
}

function previousNonBlank(lines: string[], i: number): string | undefined {
  for (let k = i - 1; k >= 0; k--) if (lines[k]!.trim() !== '') return lines[k];
  return undefined;
}

export function readReadme(): ReadmeExample[] {
  return extractExamples(readFileSync(readmePath, 'utf8'));
}

/**
 * Parts of an output line that depend on today's date, not on the inputs: the age of the built-in data. Both the
 * README's line and the real line have them replaced by a placeholder before the comparison, so the test does not
 * break tomorrow while every other character (numbers to the digits printed, headers, widths) must match.
 */
const VARIABLE: readonly { pattern: RegExp; placeholder: string }[] = [
  { pattern: /\(\d+(?:\.\d+)? d before now\)/g, placeholder: '(<age> d before now)' },
];

export function normaliseLine(line: string): string {
  let out = line.replace(/\s+$/, '');
  for (const { pattern, placeholder } of VARIABLE) out = out.replace(pattern, placeholder);
  return out;
}

/**
 * Compares a real run's output with the lines the README prints. The README's lines must appear verbatim (after
 * normaliseLine) and consecutively; a `...` line stands for any number of left-out lines, so the lines after it
 * may start further down. Without a leading `...` the output must start with the README's first line; without a
 * trailing `...` it must end with the README's last line. Returns a description of the first mismatch, or null.
 */
export function compareOutput(expected: readonly string[], actualText: string): string | null {
  const actual = actualText.replace(/\n$/, '').split('\n').map(normaliseLine);
  const segments: string[][] = [[]];
  for (const line of expected) {
    if (line === '...') segments.push([]);
    else segments[segments.length - 1]!.push(normaliseLine(line));
  }
  const anchoredStart = expected[0] !== '...';
  const anchoredEnd = expected[expected.length - 1] !== '...';
  let pos = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg.length === 0) continue;
    const mustStartHere = s === 0 && anchoredStart;
    let found = -1;
    for (let at = pos; at + seg.length <= actual.length; at++) {
      if (seg.every((l, k) => actual[at + k] === l)) {
        found = at;
        break;
      }
      if (mustStartHere) break;
    }
    if (found < 0) return describeMismatch(seg, actual, pos, mustStartHere);
    pos = found + seg.length;
  }
  if (anchoredEnd && pos !== actual.length) {
    return `the README's output ends (no trailing "...") but the command printed ${actual.length - pos} more line(s), first: ${JSON.stringify(actual[pos])}`;
  }
  return null;
}

function describeMismatch(seg: readonly string[], actual: readonly string[], from: number, anchored: boolean): string {
  // Point at the closest candidate: the position (from `from` on) where most of the segment's lines match.
  let best = from;
  let bestScore = -1;
  const last = anchored ? from : Math.max(from, actual.length - 1);
  for (let at = from; at <= last; at++) {
    const score = seg.filter((l, k) => actual[at + k] === l).length;
    if (score > bestScore) [best, bestScore] = [at, score];
  }
  const k = seg.findIndex((l, i) => actual[best + i] !== l);
  return (
    `README line ${JSON.stringify(seg[k])}\n` +
    `   output line ${best + k + 1}: ${JSON.stringify(actual[best + k] ?? '<end of output>')}` +
    (anchored ? '\n(the README shows no leading "...", so the output must start with its first line)' : '')
  );
}
