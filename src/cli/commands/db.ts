/**
 * `ilhedge db migrate|backup|restore|check`: the desk service's store, SQLite or PostgreSQL (`--db postgres://...`).
 * SQLite: `backup` is SQLite's online backup and works while the service runs; `restore` checks the backup in full
 * and refuses while the database is open elsewhere. PostgreSQL: `backup` copies every table in one snapshot
 * (store/pg/backup.ts: consistent while the instances run on); `restore` loads it into an empty, migrated database.
 * `check` on both: the database's own integrity checks, the ledger's consistency and the audit log's hash chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, printJson, renderKeyValues } from '../output.js';
import { DB_OPTION_HELP, storeLocationOf } from '../../service/config.js';

const DB_OPTION = ['--db <store>', DB_OPTION_HELP] as const;

/** Store failures are the user's to act on (a wrong path, a damaged file, a running service): message, exit 1. */
async function asCli<T>(run: () => Promise<T>): Promise<T> {
  const { StoreError } = await import('../../service/store/index.js');
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(`${error.code}: ${error.message}`);
    throw error;
  }
}

/**
 * The full check of `path`. A database of an older schema is checked on a migrated scratch copy, so `check` never
 * migrates (writes) a database an older service may still be running on.
 */
async function checkPath(path: string, auditHeads: readonly string[]) {
  const { existsSync } = await import('node:fs');
  const { isPostgresUrl } = await import('../../service/store/index.js');
  if (isPostgresUrl(path)) return checkPostgres(path, auditHeads);
  const Database = (await import('better-sqlite3')).default;
  const { openStore, checkStore, migrations, StoreError, StoreCorruptError } =
    await import('../../service/store/index.js');
  if (!existsSync(path)) throw new StoreError(`database ${path} does not exist`);
  const probe = new Database(path, { readonly: true, fileMustExist: true });
  let version: number;
  try {
    version = probe.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    throw new StoreCorruptError(`database ${path} is not a readable ilhedge database: ${(error as Error).message}`);
  } finally {
    probe.close();
  }
  const latest = migrations[migrations.length - 1]!.version;
  if (version >= latest) {
    const store = await openStore(path);
    try {
      return { report: await checkStore(store, { auditHeads }), migratedCopy: false };
    } finally {
      await store.close();
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'ilhedge-check-'));
  try {
    const copyPath = join(dir, 'copy.sqlite');
    const source = new Database(path, { readonly: true, fileMustExist: true });
    try {
      await source.backup(copyPath);
    } finally {
      source.close();
    }
    const copy = await openStore(copyPath);
    try {
      return { report: { ...(await checkStore(copy, { auditHeads })), path }, migratedCopy: true };
    } finally {
      await copy.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The full check of a PostgreSQL store (opening it migrates it: a shared store runs one schema, this code's). */
async function checkPostgres(url: string, auditHeads: readonly string[]) {
  const { openStore, checkStore } = await import('../../service/store/index.js');
  const store = await openStore(url);
  try {
    return { report: await checkStore(store, { auditHeads }), migratedCopy: false };
  } finally {
    await store.close();
  }
}

/** PostgreSQL backup: one consistent snapshot of every table to `file`, then the copy's row counts. */
async function backupPostgres(url: string, file: string) {
  const { openPgDatabase } = await import('../../service/store/pg/driver.js');
  const { backupPg } = await import('../../service/store/pg/backup.js');
  const db = await openPgDatabase(url);
  try {
    return await backupPg(db, file);
  } finally {
    await db.close();
  }
}

/** PostgreSQL restore into an empty database (migrated here), checked in full afterwards. */
async function restorePostgres(file: string, url: string) {
  const { openPgDatabase } = await import('../../service/store/pg/driver.js');
  const { restorePg } = await import('../../service/store/pg/backup.js');
  const { Store, checkStore } = await import('../../service/store/index.js');
  const db = await openPgDatabase(url);
  const store = new Store(db);
  try {
    const rows = await restorePg(db, file);
    return { path: db.location, rows, check: await checkStore(store) };
  } finally {
    await store.close();
  }
}

/** `--json`: the result as JSON; else its key-value lines. */
function print(json: boolean | undefined, result: unknown, lines: Parameters<typeof renderKeyValues>[0]): void {
  if (json) printJson(result);
  else process.stdout.write(renderKeyValues(lines) + '\n');
}

export function register(program: Command): void {
  const db = program.command('db').description('Migrate, back up, restore and check the desk service store');

  db.command('migrate')
    .description("Bring the store to this code's schema (the service also migrates when it starts); prints the version")
    .option(...DB_OPTION)
    .option('--json', 'print JSON')
    .action(async (opts: { db?: string; json?: boolean }) => {
      await asCli(async () => {
        const { openStore } = await import('../../service/store/index.js');
        const store = await openStore(storeLocationOf(opts.db));
        try {
          const result = { store: store.path, kind: store.dialect, schemaVersion: await store.schemaVersion() };
          print(opts.json, result, [
            ['store', result.store],
            ['kind', result.kind],
            ['schema version', result.schemaVersion],
          ]);
        } finally {
          await store.close();
        }
      });
    });

  db.command('backup')
    .description(
      'Copy the store to <file> (SQLite: online backup, then checked; PostgreSQL: every table in one snapshot); safe while the service runs',
    )
    .argument('<file>', 'the backup file to write (must not exist)')
    .option(...DB_OPTION)
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { db?: string; json?: boolean }) => {
      await asCli(async () => {
        const { backupStore, isPostgresUrl } = await import('../../service/store/index.js');
        const location = storeLocationOf(opts.db);
        if (isPostgresUrl(location)) {
          const result = await backupPostgres(location, file);
          print(opts.json, result, [
            ['backup', result.path],
            ['bytes', result.bytes],
            ['schema version', result.schemaVersion],
            ['rows', Object.values(result.rows).reduce((a, b) => a + b, 0)],
          ]);
          return;
        }
        const result = await backupStore(location, file);
        print(opts.json, result, [
          ['backup', result.path],
          ['bytes', result.bytes],
          ['schema version', result.schemaVersion],
          ['check', result.check.ok ? 'ok' : 'FAILED'],
        ]);
      });
    });

  db.command('restore')
    .description(
      'Replace the database by the backup <file> once the backup passes the full check (stop the service first; ' +
        'the replaced database is kept beside it)',
    )
    .argument('<file>', 'the backup file to restore')
    .option(...DB_OPTION)
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { db?: string; json?: boolean }) => {
      await asCli(async () => {
        const { restoreStore, isPostgresUrl } = await import('../../service/store/index.js');
        const location = storeLocationOf(opts.db);
        if (isPostgresUrl(location)) {
          const result = await restorePostgres(file, location);
          print(opts.json, result, [
            ['restored', result.path],
            ['from', file],
            ['tickets', result.check.counts.tickets],
            ['fills', result.check.counts.fills],
            ['audit rows', result.check.counts.audit],
            ['check', result.check.ok ? 'ok' : `FAILED: ${result.check.problems.slice(0, 3).join('; ')}`],
          ]);
          if (!result.check.ok) throw new CliError(`the restored store fails its check: ${result.check.problems[0]}`);
          return;
        }
        const result = await restoreStore(file, location);
        print(opts.json, result, [
          ['restored', result.path],
          ['from', file],
          ['previous database kept as', result.previous ?? '(none)'],
          ['tickets', result.check.counts.tickets],
          ['fills', result.check.counts.fills],
          ['audit rows', result.check.counts.audit],
        ]);
      });
    });

  db.command('check')
    .description(
      'PRAGMA integrity_check, foreign keys, the audit hash chain, and the ledger: holdings = fold of fills, ticket ' +
        'statuses consistent with their fills and history, an audit row for every transition, fill, key and position',
    )
    .option(...DB_OPTION)
    .option(
      '--audit-head <hash>',
      'an audit head hash printed by an earlier check (kept outside the database): it must still be in the chain; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--json', 'print JSON')
    .action(async (opts: { db?: string; json?: boolean; auditHead?: string[] }) => {
      await asCli(async () => {
        const { report, migratedCopy } = await checkPath(storeLocationOf(opts.db), opts.auditHead ?? []);
        if (opts.json) printJson({ ...report, migratedCopy });
        else {
          process.stdout.write(
            renderKeyValues([
              ['database', report.path],
              [
                'schema version',
                migratedCopy ? `${report.schemaVersion} (a migrated copy was checked)` : report.schemaVersion,
              ],
              ['positions', report.counts.positions],
              ['tickets', report.counts.tickets],
              ['fills', report.counts.fills],
              ['holdings', report.counts.holdings],
              ['keys', report.counts.keys],
              ['audit rows', report.counts.audit],
              ['audit head hash', report.auditHeadHash],
              ['result', report.ok ? 'ok' : `${report.problems.length} problems`],
            ]) + '\n',
          );
          for (const problem of report.problems) process.stdout.write(`problem: ${problem}\n`);
        }
        if (!report.ok) {
          throw new CliError(
            `database ${report.path} failed its check: ${report.problems.length} problems (listed above)`,
          );
        }
      });
    });
}
