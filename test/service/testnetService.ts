/**
 * A desk service on loopback whose execution runs in `testnet` mode through ccxt against the fake Deribit
 * (`helpers/fakeDeribit.ts`), with a second trader key for four-eyes approvals. The scripted feed stands still in
 * these tests, so the service is given a quote age (`maxFeedAgeMs`) a loaded machine cannot outrun.
 */
import { createExecutionService } from '../../src/service/execution/service.js';
import { applyOrdersMigration } from '../../src/service/execution/orderStore.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import type { ExecutionConfigInput } from '../../src/service/execution/config.js';
import { startFakeDeribit, type FakeDeribit } from '../helpers/fakeDeribit.js';
import { startTestService, type TestService } from './helpers.js';

export interface TestnetService {
  fake: FakeDeribit;
  t: TestService;
  /** A trader key other than the test service's own trader: the approver under four-eyes. */
  trader2: string;
  close(): Promise<void>;
}

export async function startTestnetService(
  credentials: { apiKey: string; secret: string },
  /** The execution settings besides the venue (timeouts, re-prices, tolerances). */
  config: Omit<ExecutionConfigInput, 'venues'>,
  maxFeedAgeMs: number,
): Promise<TestnetService> {
  const fake = await startFakeDeribit(credentials);
  const t = await startTestService({ maxFeedAgeMs });
  await applyOrdersMigration(t.handle.store);
  t.handle.context.execution = await createExecutionService({
    store: t.handle.store,
    market: marketViewOf(() => t.handle.hub.markets()),
    config: { venues: { deribit: { mode: 'testnet', restUrl: fake.restUrl, requestTimeoutMs: 2_000 } }, ...config },
    env: { ILHEDGE_DERIBIT_API_KEY: credentials.apiKey, ILHEDGE_DERIBIT_API_SECRET: credentials.secret },
    enableRateLimit: false,
    onFills: () => void t.handle.context.refreshHoldings(),
  });
  const trader2 = (await t.handle.store.createApiKey('trader', 'test', 'second trader')).key;
  return {
    fake,
    t,
    trader2,
    close: async () => {
      await t.handle.context.execution?.close();
      await t.handle.close();
      await fake.stop();
    },
  };
}
