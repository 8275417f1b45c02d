/**
 * The built service (`dist/src/cli/main.js serve`) as a child process: its pino log lines parsed as they arrive, and
 * a wait for the line that says it is ready (with its URL). For the tests that signal or kill a real process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export const MAIN_JS = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Lines of the child's stdout, parsed where they are JSON (pino). */
export function logLines(child: ChildProcess) {
  const lines: Json[] = [];
  let buffered = '';
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        /* the first-run key banner */
      }
    }
  });
  const waitFor = async (pred: (l: Json) => boolean, timeoutMs = 20_000): Promise<Json> => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = lines.find(pred);
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no such log line; stdout so far:\n${text.slice(-2000)}`);
  };
  return { lines, waitFor, text: () => text };
}

export interface ChildService {
  child: ChildProcess;
  url: string;
  log: ReturnType<typeof logLines>;
  stderr: () => string;
}

/** Starts `ilhedge serve <args>` and resolves once it logs that it is ready. */
export async function spawnService(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ChildService> {
  const child = spawn(process.execPath, [MAIN_JS, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ILHEDGE_LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const log = logLines(child);
  const ready = await log
    .waitFor((l) => /desk service ready/.test(l.msg ?? ''))
    .catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\nstderr: ${stderr}`);
    });
  return { child, url: ready.url as string, log, stderr: () => stderr };
}
