/**
 * The README test's own machinery: that extractExamples reads the README's console blocks as a user reads them,
 * and that compareOutput fails on the changes the README test exists to catch (a digit, a header, a missing or
 * extra line) while letting the data's age and `...` through.
 */
import { describe, expect, it } from 'vitest';
import { compareOutput, extractExamples, readReadme } from './readme.js';

const fence = (body: string, before = '') => `${before}\n\n\`\`\`console\n${body}\n\`\`\`\n`;

describe('extractExamples', () => {
  it('joins continuation lines, keeps the output under each command and reads the network mark', () => {
    const md =
      fence('$ npx ilhedge a --x 1 \\\n    --y 2\nout 1\nout 2\n$ npx ilhedge b\nout 3') +
      fence(
        '$ npx ilhedge record --seconds 1\nrecorded',
        '<!-- readme-test: needs-network: records a live session -->',
      );
    const examples = extractExamples(md);
    expect(examples.map((e) => [e.command, e.expected, e.needsNetwork])).toEqual([
      ['npx ilhedge a --x 1 \\\n    --y 2', ['out 1', 'out 2'], undefined],
      ['npx ilhedge b', ['out 3'], undefined],
      ['npx ilhedge record --seconds 1', ['recorded'], 'records a live session'],
    ]);
    expect(examples[0]!.line).toBe(4);
  });

  it('carries shell assignments of a block into the commands after them', () => {
    const examples = extractExamples(fence('$ npx ilhedge a\nout\n$ F=test/fixtures\n$ npx ilhedge b $F/x\nout b'));
    expect(examples.map((e) => [e.command, e.setup, e.expected])).toEqual([
      ['npx ilhedge a', [], ['out']],
      ['npx ilhedge b $F/x', ['F=test/fixtures'], ['out b']],
    ]);
    expect(() => extractExamples(fence('$ F=x\nstray'))).toThrow(/under an assignment/);
  });

  it('refuses output before any command and an unclosed block', () => {
    expect(() => extractExamples('```console\nstray\n$ x\n```\n')).toThrow(/output before any "\$ " command/);
    expect(() => extractExamples('```console\n$ x\n')).toThrow(/not closed/);
  });

  it('finds the README examples, the piped batch request lines included', () => {
    const batch = readReadme().find((e) => e.command.endsWith('| npx ilhedge batch'));
    expect(batch?.command.split('\n')).toHaveLength(5);
    expect(batch?.name).toMatch(/^README:\d+ printf '%s\\n' \.\.\. \| npx ilhedge batch$/);
  });
});

describe('compareOutput', () => {
  const price = readReadme().find((e) => e.command.startsWith('npx ilhedge price'))!;
  const real = price.expected.join('\n') + '\n';

  it('accepts the README lines themselves', () => {
    expect(compareOutput(price.expected, real)).toBeNull();
  });

  it('fails on one changed digit, naming the README line and the output line', () => {
    const changed = real.replace('307.96442', '307.96443');
    expect(compareOutput(price.expected, changed)).toMatch(/307\.96442[\s\S]*output line 3: .*307\.96443/);
  });

  it('fails on a renamed header, a missing line and an extra line', () => {
    expect(compareOutput(price.expected, real.replace('theta per day', 'theta per  day'))).not.toBeNull();
    expect(compareOutput(price.expected, real.replace(/│ rho[^\n]*\n/, ''))).not.toBeNull();
    expect(compareOutput(price.expected, real + 'one more line\n')).toMatch(/1 more line/);
  });

  it('treats only the age of the data as variable', () => {
    const expected = ['data time: X (182.0 d before now); rest'];
    expect(compareOutput(expected, 'data time: X (4.5 d before now); rest\n')).toBeNull();
    expect(compareOutput(expected, 'data time: Y (4.5 d before now); rest\n')).not.toBeNull();
  });

  it('lets "..." stand for left-out lines, and only there', () => {
    expect(compareOutput(['a', '...', 'd'], 'a\nb\nc\nd\n')).toBeNull();
    expect(compareOutput(['a', 'b', '...'], 'a\nb\nc\n')).toBeNull();
    expect(compareOutput(['...', 'c'], 'a\nb\nc\n')).toBeNull();
    expect(compareOutput(['a', 'c'], 'a\nb\nc\n')).not.toBeNull();
    expect(compareOutput(['b', '...'], 'a\nb\n')).toMatch(/must start with its first line/);
    expect(compareOutput(['a', '...', 'x'], 'a\nb\nc\n')).not.toBeNull();
  });
});
