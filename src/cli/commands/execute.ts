/**
 * `ilhedge execute <ticketId>`, `ilhedge halt`, `ilhedge resume`: the desk service's order manager over its HTTP API
 * (issue 18). The service is at `--url` (env `ILHEDGE_URL`, default http://127.0.0.1:8080) and the API key comes from
 * `--key` or, better (it stays out of the shell history), env `ILHEDGE_API_KEY`; it is never printed. `execute`
 * starts the execution and follows it on `GET /api/orders?ticketId=` until it is done, then prints the orders.
 */
import type { Command } from 'commander';
import { MS_PER_SECOND } from '../../../pricing/time.js';
import { CliError, EXIT_USAGE, printJson, renderKeyValues, renderTable } from '../output.js';

interface ServiceOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function target(opts: ServiceOptions): { url: string; key: string } {
  const url = (opts.url ?? process.env.ILHEDGE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  if (!/^https?:\/\//.test(url))
    throw new CliError(`--url: must be an http:// or https:// URL (got ${url})`, EXIT_USAGE);
  const key = opts.key ?? process.env.ILHEDGE_API_KEY;
  if (!key) throw new CliError('--key: an API key is needed (or set ILHEDGE_API_KEY)', EXIT_USAGE);
  return { url, key };
}

async function call(
  opts: ServiceOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const { url, key } = target(opts);
  let res: Response;
  try {
    res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new CliError(`the service at ${url} could not be reached: ${(error as Error).message}`);
  }
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: 'internal', message: text };
  }
  if (res.status >= 400) throw new CliError(`${json?.error ?? res.status}: ${json?.message ?? text}`);
  return { status: res.status, json };
}

function printOrders(orders: Json[]): void {
  process.stdout.write(
    renderTable<Json>(orders, [
      { header: 'client order id', value: (o: Json) => o.id },
      { header: 'leg', value: (o: Json) => o.legIndex, align: 'right' },
      { header: 'try', value: (o: Json) => o.attempt, align: 'right' },
      { header: 'mode', value: (o: Json) => o.mode },
      { header: 'instrument', value: (o: Json) => o.instrument },
      { header: 'side', value: (o: Json) => o.side },
      { header: 'contracts', value: (o: Json) => o.contracts, align: 'right' },
      { header: 'limit', value: (o: Json) => o.limitPrice, align: 'right' },
      { header: 'state', value: (o: Json) => o.state },
      { header: 'filled', value: (o: Json) => o.filledContracts, align: 'right' },
    ]) + '\n',
  );
}

export function register(program: Command): void {
  const service = (cmd: Command) =>
    cmd
      .option('--url <url>', 'the desk service (env ILHEDGE_URL; default http://127.0.0.1:8080)')
      .option('--key <key>', 'API key (env ILHEDGE_API_KEY; never printed)')
      .option('--json', 'print JSON');

  service(
    program
      .command('execute')
      .description(
        'Execute an approved ticket through the desk service (its execution mode per venue: dry-run by default), ' +
          'follow it until done and print its orders',
      )
      .argument('<ticketId>', 'the ticket to execute (approved by a key other than its proposer)')
      .option('--poll-ms <ms>', 'how often to read the execution while it runs', String(MS_PER_SECOND)),
  ).action(async (ticketId: string, opts: ServiceOptions & { pollMs: string }) => {
    const pollMs = Number(opts.pollMs);
    if (!(pollMs > 0)) throw new CliError(`--poll-ms: must be a positive number (got ${opts.pollMs})`, EXIT_USAGE);
    const id = encodeURIComponent(ticketId);
    const started = await call(opts, 'POST', `/api/tickets/${id}/execute`, {});
    let listed: Json;
    for (;;) {
      listed = (await call(opts, 'GET', `/api/orders?ticketId=${id}`)).json;
      if (!listed.execution?.running) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    if (opts.json) {
      printJson({ started: started.json, ...listed });
    } else {
      process.stdout.write(
        renderKeyValues([
          ['ticket', ticketId],
          ['mode', `${started.json.mode}${started.json.dryRun ? ' (dry run: nothing was sent)' : ''}`],
          ['outcome', listed.execution?.outcome ?? listed.execution?.error ?? 'unknown'],
          ['reason', listed.execution?.reason ?? ''],
        ]) + '\n',
      );
      printOrders(listed.orders as Json[]);
    }
    if (listed.execution?.error) throw new CliError(`execution failed: ${listed.execution.error}`);
  });

  service(
    program
      .command('halt')
      .description('Kill switch: cancel every working order and refuse new ones until `ilhedge resume` (admin key)')
      .option('--reason <text>', 'why (goes into the audit log)'),
  ).action(async (opts: ServiceOptions & { reason?: string }) => {
    const r = (await call(opts, 'POST', '/api/execution/halt', opts.reason ? { reason: opts.reason } : {})).json;
    if (opts.json) printJson(r);
    else
      process.stdout.write(
        renderKeyValues([
          ['halted', 'yes'],
          ['orders cancelled', r.cancelled.length],
          ['cancels failed', r.failures.map((f: Json) => `${f.orderId}: ${f.message}`).join('; ') || 'none'],
        ]) + '\n',
      );
    if (r.failures.length > 0) throw new CliError(`${r.failures.length} working orders could not be cancelled`);
  });

  service(
    program
      .command('resume')
      .description('Lift the kill switch: orders may be placed again (admin key)')
      .option('--reason <text>', 'why (goes into the audit log)'),
  ).action(async (opts: ServiceOptions & { reason?: string }) => {
    const r = (await call(opts, 'POST', '/api/execution/resume', opts.reason ? { reason: opts.reason } : {})).json;
    if (opts.json) printJson(r);
    else process.stdout.write(renderKeyValues([['halted', r.halt.halted ? 'yes' : 'no']]) + '\n');
  });
}
