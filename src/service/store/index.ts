/** The service's durable store (SQLite or PostgreSQL). */
export * from './store.js';
export { migrate, migrations, currentVersion } from './migrations.js';
export type { Migration } from './migrations.js';
export { checkStore } from './check.js';
export type { StoreCheckReport } from './check.js';
export { backupStore, restoreStore } from './backup.js';
export type { BackupResult, RestoreResult } from './backup.js';
export { SqliteDatabase } from './sqlite/driver.js';
