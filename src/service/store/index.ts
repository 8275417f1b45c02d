/** The service's durable store (SQLite). */
export * from './store.js';
export { migrate, migrations, currentVersion } from './migrations.js';
export type { Migration } from './migrations.js';
