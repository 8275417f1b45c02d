/**
 * The load generator's side in this process: the script the child process runs (`clients.ts`) and the channel to
 * it, its messages awaited by type.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowPrecise } from '../../src/service/feeds/base.js';
import type { ClientWindow, FromClients, ToClients } from './protocol.js';

const CLIENT_MODULES = ['clients', 'order', 'histogram'] as const;

/**
 * The load generator's script: `clients.js` beside this module once built; from source (vitest), the three
 * modules it is made of transpiled into a fresh directory under `node_modules/.cache/` (so that `ws` resolves from
 * the project's own `node_modules`), removed afterwards.
 */
export async function clientScript(): Promise<{ file: string; cleanup: () => void }> {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) {
    const built = fileURLToPath(new URL('./clients.js', import.meta.url));
    if (!existsSync(built)) throw new Error(`soak: the load generator ${built} is missing (npm run build)`);
    return { file: built, cleanup: () => {} };
  }
  const ts = (await import('typescript')).default;
  const cache = fileURLToPath(new URL('../../node_modules/.cache/ilhedge-soak/', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'clients-'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  for (const name of CLIENT_MODULES) {
    const source = readFileSync(new URL(`./${name}.ts`, import.meta.url), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: `${name}.ts`,
    });
    writeFileSync(path.join(dir, `${name}.js`), out.outputText);
  }
  return { file: path.join(dir, 'clients.js'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The child's messages, awaited by type. */
export class ClientChannel {
  private readonly waiters: { type: FromClients['type']; resolve: (m: FromClients) => void }[] = [];
  readonly windows: ClientWindow[] = [];
  private failure: Error | null = null;
  private readonly failed: ((e: Error) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromClients) => {
      if (message.type === 'window') this.windows.push(message.window);
      if (message.type === 'fatal') return this.fail(new Error(`soak load generator failed: ${message.message}`));
      const at = this.waiters.findIndex((w) => w.type === message.type);
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(message);
    });
    child.on('exit', (code, signal) => {
      if (this.waiters.length > 0) this.fail(new Error(`soak load generator exited (code ${code}, signal ${signal})`));
    });
    child.on('error', (error) => this.fail(error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const reject of this.failed.splice(0)) reject(error);
  }

  send(message: ToClients): void {
    this.child.send(message);
  }

  next<T extends FromClients['type']>(type: T, timeoutMs: number): Promise<Extract<FromClients, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(
        () => reject(new Error(`soak: no '${type}' from the load generator in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.failed.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromClients, { type: T }>);
        },
      });
    });
  }

  /** The load generator's clock minus ours, and the IPC round trip it was measured over. */
  async measureClock(): Promise<{ offsetMs: number; rttMs: number }> {
    // The two clocks (same machine, both performance.timeOrigin-based): the offset at the best of 5 round trips.
    let clock = { offsetMs: 0, rttMs: Infinity };
    for (let id = 0; id < 5; id++) {
      const t0 = nowPrecise();
      const reply = this.next('clock', 5_000);
      this.send({ type: 'clock', id });
      const { nowMs } = await reply;
      const t1 = nowPrecise();
      if (t1 - t0 < clock.rttMs) clock = { offsetMs: nowMs - (t0 + t1) / 2, rttMs: t1 - t0 };
    }
    return clock;
  }
}
