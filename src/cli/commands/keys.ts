/** `ilhedge keys create|list|revoke`: the desk service's API keys, straight in its SQLite store. */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, printJson, renderTable } from '../output.js';

const ROLE_NAMES = ['viewer', 'trader', 'admin'] as const;
type RoleName = (typeof ROLE_NAMES)[number];

function parseRole(raw: string): RoleName {
  if (!(ROLE_NAMES as readonly string[]).includes(raw)) {
    throw new CliError(`--role: expected one of ${ROLE_NAMES.join(', ')}, got ${JSON.stringify(raw)}`, EXIT_USAGE);
  }
  return raw as RoleName;
}

function dbPathOf(option: string | undefined): string {
  return option ?? process.env.ILHEDGE_DB ?? './data/ilhedge.sqlite';
}

export function register(program: Command): void {
  const keys = program.command('keys').description('Manage the desk service API keys (stored hashed; shown once)');

  keys
    .command('create')
    .description('Create an API key and print it once (only its SHA-256 is stored)')
    .requiredOption('--role <role>', `viewer (read, stream), trader (tickets) or admin (positions, keys)`, parseRole)
    .option('--label <text>', 'a note to recognise the key by')
    .option('--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)')
    .option('--json', 'print JSON')
    .action(async (opts: { role: RoleName; label?: string; db?: string; json?: boolean }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = openStore(dbPathOf(opts.db));
      try {
        const user = process.env.USER ?? 'unknown';
        const { key, record } = store.createApiKey(opts.role, `cli:${user}`, opts.label);
        if (opts.json) printJson({ ...record, key });
        else {
          process.stdout.write(`${key}\n`);
          process.stderr.write(`created ${record.role} key ${record.id}; it is shown only this once\n`);
        }
      } finally {
        store.close();
      }
    });

  keys
    .command('list')
    .description('List keys (ids, roles, dates; never the keys)')
    .option('--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)')
    .option('--json', 'print JSON')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = openStore(dbPathOf(opts.db));
      try {
        const records = store.listApiKeys();
        if (opts.json) printJson(records);
        else
          process.stdout.write(
            renderTable(records, [
              { header: 'id', value: (r) => r.id, align: 'left' },
              { header: 'role', value: (r) => r.role, align: 'left' },
              { header: 'label', value: (r) => r.label, align: 'left' },
              { header: 'created', value: (r) => new Date(r.createdAtMs).toISOString(), align: 'left' },
              {
                header: 'revoked',
                value: (r) => (r.revokedAtMs ? new Date(r.revokedAtMs).toISOString() : ''),
                align: 'left',
              },
            ]) + '\n',
          );
      } finally {
        store.close();
      }
    });

  keys
    .command('revoke')
    .description('Revoke a key by its id')
    .argument('<id>', 'the key id (the 10 characters after ilh_)')
    .option('--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)')
    .action(async (id: string, opts: { db?: string }) => {
      const { openStore } = await import('../../service/store/index.js');
      const store = openStore(dbPathOf(opts.db));
      try {
        if (!store.revokeApiKey(id, `cli:${process.env.USER ?? 'unknown'}`)) {
          throw new CliError(`no active key with id ${id}`);
        }
        process.stderr.write(`revoked ${id}\n`);
      } finally {
        store.close();
      }
    });
}
