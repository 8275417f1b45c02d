import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { vi } from 'vitest';

/** The built CLI, as `npx ilhedge` runs it (`npm test` builds before it tests). */
export const cliPath = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args`, feeding `stdin` if given, and collects its output. */
export function runCli(args: readonly string[], stdin?: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Runs one command module in this process (no spawn, no build needed): `register` adds it to a fresh program,
 * stdout and stderr are captured while it runs; a failure throws with what was printed attached as its
 * `stdout`/`stderr` (a usage error too: commander's exitOverride).
 */
export async function runCommandInProcess(
  register: (program: Command) => void,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'ilhedge', ...args]);
  } catch (error) {
    if (error !== null && typeof error === 'object') Object.assign(error, { stdout, stderr });
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}
