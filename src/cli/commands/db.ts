/**
 * `ilhedge db backup|restore|check`: the desk service's SQLite store. `backup` is SQLite's online backup and works
 * while the service runs; `restore` checks the backup in full and refuses while the database is open elsewhere;
 * `check` is SQLite's integrity check plus the ledger's consistency and the audit log's hash chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, printJson, renderKeyValues } from '../output.js';

const DB_OPTION = ['--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)'] as const;

function dbPathOf(option: string | undefined): string {
  return option ?? process.env.ILHEDGE_DB ?? './data/ilhedge.sqlite';
}

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
  const Database = (await import('better-sqlite3')).default;
  const { Store, checkStore, migrations, StoreError, StoreCorruptError } = await import('../../service/store/index.js');
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
    const store = new Store({ path });
    try {
      return { report: checkStore(store, { auditHeads }), migratedCopy: false };
    } finally {
      store.close();
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
    const copy = new Store({ path: copyPath });
    try {
      return { report: { ...checkStore(copy, { auditHeads }), path }, migratedCopy: true };
    } finally {
      copy.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  const db = program.command('db').description('Back up, restore and check the desk service database');

  db.command('backup')
    .description('Copy the database to <file> with SQLite online backup (safe while the service runs), then check it')
    .argument('<file>', 'the backup file to write (must not exist)')
    .option(...DB_OPTION)
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { db?: string; json?: boolean }) => {
      await asCli(async () => {
        const { backupStore } = await import('../../service/store/index.js');
        const result = await backupStore(dbPathOf(opts.db), file);
        if (opts.json) printJson(result);
        else
          process.stdout.write(
            renderKeyValues([
              ['backup', result.path],
              ['bytes', result.bytes],
              ['schema version', result.schemaVersion],
              ['check', result.check.ok ? 'ok' : 'FAILED'],
            ]) + '\n',
          );
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
        const { restoreStore } = await import('../../service/store/index.js');
        const result = await restoreStore(file, dbPathOf(opts.db));
        if (opts.json) printJson(result);
        else {
          process.stdout.write(
            renderKeyValues([
              ['restored', result.path],
              ['from', file],
              ['previous database kept as', result.previous ?? '(none)'],
              ['tickets', result.check.counts.tickets],
              ['fills', result.check.counts.fills],
              ['audit rows', result.check.counts.audit],
            ]) + '\n',
          );
        }
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
        const { report, migratedCopy } = await checkPath(dbPathOf(opts.db), opts.auditHead ?? []);
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
