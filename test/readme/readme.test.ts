/**
 * Runs the README's CLI examples the way the README tells a user to: each `$ npx ilhedge ...` line (with the
 * lines it pipes in, e.g. the `printf ... | npx ilhedge batch` example) goes verbatim to `sh -c` from the
 * repository root, so npx resolves `ilhedge` through package.json's "bin" exactly as on a user's machine, on the
 * built dist/ (`npm test` builds first). No network: test/readme/noNetwork.mjs makes the ilhedge process refuse
 * any connection off loopback. Each must exit 0 and print the lines the README shows (compareOutput: verbatim,
 * `...` for left-out lines, only the data's age treated as variable).
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NOT_CLI, compareOutput, readReadme, repoRoot } from './readme.js';
import type { ReadmeExample } from './readme.js';

/**
 * Examples the README marks `<!-- readme-test: needs-network: <reason> -->`, by name, with the reason they are
 * not run here. Empty: every example in the README runs on the built-in data. A marked example missing here (or
 * listed here but no longer marked) fails the test, so none is left out silently.
 */
const NETWORK_EXAMPLES: ReadonlyMap<string, string> = new Map();

const noNetwork = fileURLToPath(new URL('./noNetwork.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runAsUser(command: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${noNetwork}`].filter(Boolean).join(' '),
        // Tables are drawn the same whatever the terminal; keep colour codes out of the comparison.
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Relative paths the command names that do not exist yet: the files it may write into the repository root. */
function newFilesNamedBy(command: string): string[] {
  return [...command.matchAll(/(?<=\s)[\w.-]+\.(?:html|json|csv|sqlite)(?=\s|$)/g)]
    .map((m) => join(repoRoot, m[0]))
    .filter((f) => !existsSync(f));
}

const examples = readReadme();
const isCli = (e: ReadmeExample) => /(^|[|;&]\s*)npx ilhedge( |$)/m.test(e.command);
const cli = examples.filter(isCli);

describe('README examples', () => {
  it('every console command is a CLI example or one the other tests cover', () => {
    const unknown = examples.filter((e) => !isCli(e) && !NOT_CLI.some((n) => e.command.startsWith(n.prefix)));
    expect(unknown.map((e) => e.name)).toEqual([]);
    // The README's CLI section has examples for (at least) these commands; losing one from the README fails here.
    const commands = new Set(cli.map((e) => /npx ilhedge (\S+)/.exec(e.command)![1]));
    expect([...commands]).toEqual(
      expect.arrayContaining(['batch', 'book', 'chain', 'iv', 'lp', 'price', 'quote', 'replicate', 'ticket']),
    );
  });

  it('the examples that need network are exactly the ones listed here, each with its reason', () => {
    const marked = new Map(cli.filter((e) => e.needsNetwork).map((e) => [e.name, e.needsNetwork!]));
    expect(marked).toEqual(NETWORK_EXAMPLES);
  });

  for (const example of cli) {
    if (example.needsNetwork) continue; // listed by name and reason in NETWORK_EXAMPLES, checked above
    it(
      example.name,
      async () => {
        expect(example.expected.length, 'the README shows no output for this example').toBeGreaterThan(0);
        const created = newFilesNamedBy(example.command);
        let run: Run;
        try {
          run = await runAsUser([...example.setup, example.command].join('\n'));
        } finally {
          // Files the example writes into the checkout (`--plot surface.html`) are removed again.
          for (const f of created) if (existsSync(f)) rmSync(f, { force: true });
        }
        expect(run.code, `exit code of: ${example.command}\nstderr:\n${run.stderr}`).toBe(0);
        const mismatch = compareOutput(example.expected, run.stdout);
        expect(mismatch, `README.md:${example.line} no longer matches the output of: ${example.command}`).toBeNull();
      },
      // The slowest example (`simulate`, 400 paths) takes ~40 s alone on the 2-core machines, more beside other suites.
      180_000,
    );
  }
});
