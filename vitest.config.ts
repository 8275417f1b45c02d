import { defineConfig } from 'vitest/config';

/**
 * The service's tests that run on a store the test helpers choose (test/helpers/testStore.ts) run twice: on SQLite
 * (the embedded default) and on PostgreSQL. Tests about SQLite itself (its files, backups, crash recovery, faults)
 * run on SQLite only; the PostgreSQL driver's own tests on PostgreSQL only.
 */
const BOTH_STORES = [
  'test/fuzz/wsProtocol.fuzz.test.ts',
  'test/service/api.test.ts',
  'test/service/bookLoop.test.ts',
  'test/service/collateral.test.ts',
  'test/service/collateralDashboard.test.ts',
  'test/service/configBook.test.ts',
  'test/service/configReload.test.ts',
  'test/service/dashboard.test.ts',
  'test/service/execution-api.test.ts',
  'test/service/execution-manager.test.ts',
  'test/service/execution-stream.test.ts',
  'test/service/execution-units.test.ts',
  'test/service/execution-watch.test.ts',
  'test/service/fuzz.test.ts',
  'test/service/keys.test.ts',
  'test/service/lab.test.ts',
  'test/service/ledger-api.test.ts',
  'test/service/liveEndpoints.test.ts',
  'test/service/liveFaults.test.ts',
  'test/service/liveInstruments.test.ts',
  'test/service/liveRecord.test.ts',
  'test/service/liveService.test.ts',
  'test/service/liveTicketState.test.ts',
  'test/service/oneEngine.property.test.ts',
  'test/service/recordedStream.test.ts',
  'test/service/store.test.ts',
  'test/service/stream.test.ts',
];
const POSTGRES_ONLY = ['test/service/pg-*.test.ts', 'test/service/multiInstance*.test.ts'];

export default defineConfig({
  test: {
    // Two cores on the CI machines: keep the worker count bounded so suites with servers stay deterministic.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: POSTGRES_ONLY },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...BOTH_STORES, ...POSTGRES_ONLY],
          env: { ILHEDGE_TEST_STORE: 'postgres' },
          // One PostgreSQL server for the run (embedded unless ILHEDGE_TEST_PG_URL names one).
          globalSetup: ['test/globalSetup.ts'],
        },
      },
    ],
  },
});
