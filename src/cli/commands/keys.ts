/** `ilhedge keys create|list|rotate|revoke`: the desk service's API keys, straight in its SQLite store. */
import type { Command } from 'commander';
import { MS_PER_DAY, MS_PER_MINUTE } from '../../../pricing/time.js';
import { CliError, EXIT_USAGE, printJson, renderTable } from '../output.js';
import { DB_OPTION_HELP, storeLocationOf } from '../../service/config.js';

const ROLE_NAMES = ['viewer', 'trader', 'admin'] as const;
type RoleName = (typeof ROLE_NAMES)[number];

function parseRole(raw: string): RoleName {
  if (!(ROLE_NAMES as readonly string[]).includes(raw)) {
    throw new CliError(`--role: expected one of ${ROLE_NAMES.join(', ')}, got ${JSON.stringify(raw)}`, EXIT_USAGE);
  }
  return raw as RoleName;
}

/** A positive number of `unit`s for option `name`, as ms. */
function parseDuration(name: string, unitMs: number, allowZero = false): (raw: string) => number {
  return (raw: string) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new CliError(
        `--${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(raw)}`,
        EXIT_USAGE,
      );
    }
    return value * unitMs;
  };
}

const DB_HELP = DB_OPTION_HELP;

function cliActor(): string {
  return `cli:${process.env.USER ?? 'unknown'}`;
}

function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}

/** What a key is now: active, expired, revoked or rotated (to its replacement). */
function stateOf(
  record: { revokedAtMs: number | null; expiresAtMs: number | null; rotatedTo: string | null },
  now: number,
): string {
  if (record.revokedAtMs !== null) return record.rotatedTo ? `rotated to ${record.rotatedTo}` : 'revoked';
  if (record.expiresAtMs !== null && record.expiresAtMs <= now) return 'expired';
  if (record.rotatedTo) return `rotating to ${record.rotatedTo} (grace)`;
  return 'active';
}

export function register(program: Command): void {
  const keys = program.command('keys').description('Manage the desk service API keys (stored hashed; shown once)');

  keys
    .command('create')
    .description('Create an API key and print it once (only its SHA-256 is stored)')
    .requiredOption('--role <role>', `viewer (read, stream), trader (tickets) or admin (positions, keys)`, parseRole)
    .option('--label <text>', 'a note to recognise the key by')
    .option(
      '--expires-in-days <days>',
      'the key stops working after this many days (default: never)',
      parseDuration('expires-in-days', MS_PER_DAY),
    )
    .option('--db <path>', DB_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: { role: RoleName; label?: string; expiresInDays?: number; db?: string; json?: boolean }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = await openStore(storeLocationOf(opts.db));
      try {
        const { key, record } = await store.createApiKey(
          opts.role,
          cliActor(),
          opts.label,
          opts.expiresInDays !== undefined ? { ttlMs: opts.expiresInDays } : {},
        );
        if (opts.json) printJson({ ...record, key });
        else {
          process.stdout.write(`${key}\n`);
          const until = record.expiresAtMs === null ? '' : `, valid until ${iso(record.expiresAtMs)}`;
          process.stderr.write(`created ${record.role} key ${record.id}${until}; it is shown only this once\n`);
        }
      } finally {
        await store.close();
      }
    });

  keys
    .command('list')
    .description('List keys (ids, roles, dates, state; never the keys)')
    .option('--db <path>', DB_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = await openStore(storeLocationOf(opts.db));
      try {
        const now = Date.now();
        const records = (await store.listApiKeys()).map((r) => ({ ...r, state: stateOf(r, now) }));
        if (opts.json) printJson(records);
        else
          process.stdout.write(
            renderTable(records, [
              { header: 'id', value: (r) => r.id, align: 'left' },
              { header: 'role', value: (r) => r.role, align: 'left' },
              { header: 'label', value: (r) => r.label, align: 'left' },
              { header: 'state', value: (r) => r.state, align: 'left' },
              { header: 'created', value: (r) => iso(r.createdAtMs), align: 'left' },
              { header: 'expires', value: (r) => iso(r.expiresAtMs), align: 'left' },
              { header: 'revoked', value: (r) => iso(r.revokedAtMs), align: 'left' },
            ]) + '\n',
          );
      } finally {
        await store.close();
      }
    });

  keys
    .command('rotate')
    .description(
      'Replace a key by a new one of the same role and label, printed once; the old key stops working now, or ' +
        'after --grace-minutes',
    )
    .argument('<id>', 'the key id (the 10 characters after ilh_)')
    .option(
      '--grace-minutes <n>',
      'the old key keeps working this long (default 0: at once)',
      parseDuration('grace-minutes', MS_PER_MINUTE, true),
    )
    .option(
      '--expires-in-days <days>',
      "the new key's lifetime (default: the old key's lifetime, or never)",
      parseDuration('expires-in-days', MS_PER_DAY),
    )
    .option('--db <path>', DB_HELP)
    .option('--json', 'print JSON')
    .action(
      async (id: string, opts: { graceMinutes?: number; expiresInDays?: number; db?: string; json?: boolean }) => {
        const { openStore, NotFoundError } = await import('../../service/store/index.js');
        const store = await openStore(storeLocationOf(opts.db));
        try {
          const rotated = await store.rotateApiKey(id, cliActor(), {
            ...(opts.graceMinutes !== undefined ? { graceMs: opts.graceMinutes } : {}),
            ...(opts.expiresInDays !== undefined ? { ttlMs: opts.expiresInDays } : {}),
          });
          if (opts.json) printJson({ ...rotated.record, key: rotated.key, previous: rotated.previous });
          else {
            process.stdout.write(`${rotated.key}\n`);
            const old =
              rotated.previous.revokedAtMs !== null
                ? 'revoked now'
                : `valid until ${iso(rotated.previous.expiresAtMs)}`;
            process.stderr.write(
              `rotated ${id} -> ${rotated.record.id} (${rotated.record.role}); the old key is ${old}; ` +
                'the new key is shown only this once\n',
            );
          }
        } catch (error) {
          if (error instanceof NotFoundError) {
            throw new CliError(
              `no active key with id ${id} (revoked, expired or already rotated keys cannot be rotated)`,
            );
          }
          throw error;
        } finally {
          await store.close();
        }
      },
    );

  keys
    .command('revoke')
    .description('Revoke a key by its id')
    .argument('<id>', 'the key id (the 10 characters after ilh_)')
    .option('--db <path>', DB_HELP)
    .action(async (id: string, opts: { db?: string }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = await openStore(storeLocationOf(opts.db));
      try {
        if (!(await store.revokeApiKey(id, cliActor()))) {
          throw new CliError(`no active key with id ${id}`);
        }
        process.stderr.write(`revoked ${id}\n`);
      } finally {
        await store.close();
      }
    });
}
