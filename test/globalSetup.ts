/**
 * Vitest's global setup: ONE PostgreSQL server for the whole run (helpers/postgresServer.ts: the one
 * `ILHEDGE_TEST_PG_URL` names, or an embedded one started here and removed at teardown), so the PostgreSQL tests
 * need nothing installed by hand. Test files get its admin URL through `inject('ilhedgePg')` (helpers/postgres.ts:
 * `freshPgUrl` gives each its own database). A server that cannot start fails the run with the reason: no test is
 * skipped for want of one.
 */
import type { TestProject } from 'vitest/node';
import { openPgDatabase } from '../src/service/store/pg/driver.js';
import { dropDatabases, startTestPgServer } from './helpers/postgresServer.js';
import { createDatabase, withDatabase } from './helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ilhedgePg: {
      adminUrl: string;
      databasePrefix: string;
      /** A database migrated to this code's schema, which `freshPgUrl` copies (faster than migrating each). */
      template: string;
      embedded: boolean;
      startMs: number;
    };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPgServer();
  // Unique per run, so the databases of this run can be dropped from a server shared with other runs.
  const databasePrefix = `ilhedge_t${Date.now().toString(36)}${process.pid.toString(36)}_`;
  const template = `${databasePrefix}template`;
  const templateStarted = Date.now();
  try {
    await createDatabase(server.adminUrl, template);
    await (await openPgDatabase(withDatabase(server.adminUrl, template), { poolSize: 1 })).close();
  } catch (error) {
    await server.stop();
    throw error;
  }
  const templateMs = Date.now() - templateStarted;
  project.provide('ilhedgePg', {
    adminUrl: server.adminUrl,
    databasePrefix,
    template,
    embedded: server.embedded,
    startMs: server.startMs,
  });
  if (process.env['ILHEDGE_TEST_PG_VERBOSE']) {
    console.log(
      `test PostgreSQL: ${server.embedded ? 'embedded' : 'external'}, ready in ${server.startMs} ms, ` +
        `template database migrated in ${templateMs} ms`,
    );
  }
  return async () => {
    if (!server.embedded) await dropDatabases(server.adminUrl, databasePrefix).catch(() => undefined);
    await server.stop();
  };
}
