/**
 * `npm run soak [-- --minutes 10] [-- --json] [-- --out report.json]`: the desk service under 1000 websocket
 * clients for the given time (10 minutes by default), loopback only. Prints the report (`report.ts`) and exits 1
 * when memory or descriptors did not level off, a message came out of order, garbage was let through or a window
 * delivered nothing; 2 on a usage error. Progress goes to stderr.
 */
import { writeFileSync } from 'node:fs';
import { formatReport } from './report.js';
import { DEFAULT_MINUTES, runSoak, soakOptions } from './soak.js';
import type { SoakOptions } from './soak.js';

const USAGE = `usage: npm run soak -- [options]
  --minutes <n>         measured time in minutes (default ${DEFAULT_MINUTES})
  --seconds <n>         measured time in seconds (instead of --minutes)
  --clients <n>         websocket clients (default 1000)
  --positions <n>       positions (default 100)
  --ticks <n>           ticks per second (default 100)
  --warmup-seconds <n>  warm-up before measuring (default 20)
  --window-seconds <n>  latency window (default 60)
  --no-suggestions      the ticket engine's suggestions off (a diagnostic: the service's default is on)
  --json                print the report as JSON instead of text
  --out <file>          also write the JSON report to <file>
`;

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

export function parseArgs(args: readonly string[]): { options: SoakOptions; json: boolean; out: string | null } {
  const overrides: Partial<SoakOptions> = {};
  let json = false;
  let out: string | null = null;
  const number = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min)
      usage(`${name}: a number at least ${min} (got ${value})`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    switch (arg) {
      case '--minutes':
        overrides.durationMs = number(arg, value, 0.05) * 60_000;
        i++;
        break;
      case '--seconds':
        overrides.durationMs = number(arg, value, 3) * 1000;
        i++;
        break;
      case '--clients':
        overrides.clients = Math.round(number(arg, value, 4));
        i++;
        break;
      case '--positions':
        overrides.positions = Math.round(number(arg, value, 1));
        i++;
        break;
      case '--ticks':
        overrides.ticksPerSec = number(arg, value, 1);
        i++;
        break;
      case '--warmup-seconds':
        overrides.warmupMs = number(arg, value, 0) * 1000;
        i++;
        break;
      case '--window-seconds':
        overrides.windowMs = number(arg, value, 1) * 1000;
        i++;
        break;
      case '--no-suggestions':
        overrides.suggestions = false;
        break;
      case '--json':
        json = true;
        break;
      case '--out':
        if (value === undefined) usage('--out: a file name');
        out = value;
        i++;
        break;
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        usage(`unknown option ${arg}`);
    }
  }
  const progress = (line: string) => process.stderr.write(line + '\n');
  return { options: soakOptions({ ...overrides, progress }), json, out };
}

const { options, json, out } = parseArgs(process.argv.slice(2));
const report = await runSoak(options);
if (out) writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
process.stdout.write(json ? JSON.stringify(report) + '\n' : formatReport(report));
process.exit(report.ok ? 0 : 1);
