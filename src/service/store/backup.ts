/**
 * Online backup and restore. `backupStore` copies a live database with SQLite's backup API (better-sqlite3's
 * `db.backup()`) from its own read connection: the service keeps serving (WAL readers do not block its writers), and
 * the copy is one consistent snapshot, written to `<file>.partial` and renamed only once complete and checked.
 * `restoreStore` checks a backup in full (a migrated scratch copy through `checkStore`) before it replaces anything,
 * refuses while another process has the database open, and keeps the file it replaces beside it.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { checkStore } from './check.js';
import type { StoreCheckReport } from './check.js';
import { StoreBusyError, StoreCorruptError, StoreError, sqliteCodeOf, storeErrorOf } from './errors.js';
import { migrations } from './migrations.js';
import { openStore } from './store.js';

export interface BackupResult {
  path: string;
  bytes: number;
  schemaVersion: number;
  /** The check of the copy: integrity always; the ledger too when the copy has this code's schema. */
  check: StoreCheckReport | { ok: boolean; problems: string[] };
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

/** SQLite's own integrity check of a file opened read-only (no migration, no write). */
function integrityOf(path: string): { ok: boolean; problems: string[]; schemaVersion: number } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('user_version', { simple: true });
  } catch (error) {
    throw new StoreCorruptError(`${path} is not a readable ilhedge database (${(error as Error).message})`, null, {
      cause: error,
    });
  }
  try {
    const lines = (db.pragma('integrity_check(100)') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const ok = lines.length === 1 && lines[0] === 'ok';
    return {
      ok,
      problems: ok ? [] : lines.map((l) => `integrity_check: ${l}`),
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
    };
  } finally {
    db.close();
  }
}

/**
 * Copies the database at `sourcePath` (in use or not) to `destPath`. Refuses to overwrite an existing file. The
 * copy is checked before it is renamed into place; a failed backup leaves nothing at `destPath`.
 */
export async function backupStore(sourcePath: string, destPath: string): Promise<BackupResult> {
  if (!existsSync(sourcePath)) throw new StoreError(`database ${sourcePath} does not exist: nothing to back up`);
  if (existsSync(destPath)) throw new StoreError(`backup file ${destPath} already exists; choose a new name`);
  const partial = `${destPath}.partial`;
  removeDatabaseFiles(partial);
  const source = new Database(sourcePath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    // All remaining pages in the next step: a step is one read snapshot, so concurrent writes of the service
    // (which would restart a page-by-page copy) cannot keep the backup from finishing.
    await source.backup(partial, { progress: ({ totalPages }) => Math.max(100, totalPages) });
  } catch (error) {
    removeDatabaseFiles(partial);
    throw storeErrorOf(error, sourcePath, `backup to ${destPath}`);
  } finally {
    source.close();
  }
  const integrity = integrityOf(partial);
  let check: BackupResult['check'] = integrity;
  const latest = migrations[migrations.length - 1]!.version;
  if (integrity.ok && integrity.schemaVersion === latest) {
    const copy = await openStore(partial);
    try {
      check = await checkStore(copy);
    } finally {
      await copy.close();
    }
  }
  if (!check.ok) {
    removeDatabaseFiles(partial);
    throw new StoreError(`backup of ${sourcePath} failed its check: ${check.problems.slice(0, 5).join('; ')}`);
  }
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  renameSync(partial, destPath);
  return { path: destPath, bytes: statSync(destPath).size, schemaVersion: integrity.schemaVersion, check };
}

/**
 * Throws StoreBusyError when another connection (a running service, a CLI) has `path` open: an EXCLUSIVE lock in
 * exclusive locking mode cannot be had while any WAL connection holds its shared lock. Folds the WAL back first, so
 * the main file alone is the whole database.
 */
function assertNotInUse(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    const code = sqliteCodeOf(error);
    if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) {
      throw new StoreBusyError(
        `database ${path} is open in another process (a running service?): stop it before restoring`,
        null,
        { cause: error },
      );
    }
    throw storeErrorOf(error, path, 'checking the database is not in use');
  } finally {
    db.close();
  }
}

export interface RestoreResult {
  path: string;
  /** Where the database that was replaced now is (null when there was none). */
  previous: string | null;
  check: StoreCheckReport;
}

/**
 * Replaces the database at `targetPath` by the backup at `backupPath`: the backup is copied to a scratch file,
 * migrated to this code's schema and checked in full (`checkStore`); only a clean copy is moved into place. The
 * database replaced is kept as `<target>.before-restore-<time>`. Refuses while the target is open elsewhere.
 */
export async function restoreStore(
  backupPath: string,
  targetPath: string,
  now: () => number = Date.now,
): Promise<RestoreResult> {
  if (!existsSync(backupPath)) throw new StoreError(`backup file ${backupPath} does not exist`);
  const integrity = integrityOf(backupPath);
  if (!integrity.ok) {
    throw new StoreError(
      `backup ${backupPath} is damaged: ${integrity.problems.slice(0, 5).join('; ')}; nothing restored`,
    );
  }
  const scratch = `${targetPath}.restore-${process.pid}.tmp`;
  removeDatabaseFiles(scratch);
  const source = new Database(backupPath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(scratch);
  } finally {
    source.close();
  }
  let check: StoreCheckReport;
  try {
    const copy = await openStore(scratch);
    try {
      check = await checkStore(copy);
    } finally {
      await copy.close();
    }
    if (!check.ok) {
      throw new StoreError(
        `backup ${backupPath} fails the consistency check: ${check.problems.slice(0, 5).join('; ')}; nothing restored`,
      );
    }
    let previous: string | null = null;
    if (existsSync(targetPath)) {
      assertNotInUse(targetPath);
      previous = `${targetPath}.before-restore-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
      renameSync(targetPath, previous);
      for (const suffix of ['-wal', '-shm']) {
        if (existsSync(`${targetPath}${suffix}`)) renameSync(`${targetPath}${suffix}`, `${previous}${suffix}`);
      }
    }
    rmSync(`${scratch}-wal`, { force: true });
    rmSync(`${scratch}-shm`, { force: true });
    renameSync(scratch, targetPath);
    return { path: targetPath, previous, check: { ...check, path: targetPath } };
  } catch (error) {
    removeDatabaseFiles(scratch);
    throw error;
  }
}
