/**
 * The execution side of the desk service: the order manager on the service's store and market, with one gateway per
 * venue in its configured mode (dry-run by default). Built by `createExecutionService` from the desk config's
 * `execution` section, the environment (credentials) and the `--live` flag; before the first order after a start it
 * reconciles the stored working orders with the venues. Its order store publishes every order change on the
 * store's `OrderUpdates` (orderUpdates.ts), which the hub fans out on the stream.
 */
import type { Logger } from 'pino';
import type { Venue } from '../../../adapters/model.js';
import type { Store } from '../store/index.js';
import { CcxtGateway, credentialsFromEnv } from './ccxtGateway.js';
import { parseExecutionConfig } from './config.js';
import type { ExecutionConfig, ExecutionConfigInput, ExecutionMode } from './config.js';
import { DryRunGateway } from './dryRunGateway.js';
import type { VenueGateway } from './gateway.js';
import type { MarketView } from './market.js';
import { OrderManager } from './orderManager.js';
import type { ExecutionResult, HaltReport, ReconcileReport } from './orderManager.js';
import type { OrderStore } from './orderStore.js';
import { ObservedOrderStore, orderUpdatesOf, recentOrders } from './orderUpdates.js';
import type { OrderUpdates } from './orderUpdates.js';

export class LiveNotAllowedError extends Error {
  override name = 'LiveNotAllowedError';
  readonly field = 'execution.mode';
}

export interface ExecutionServiceOptions {
  store: Store;
  market: MarketView;
  /** The desk config's `execution` section (validated here; default: dry-run everywhere). */
  config?: ExecutionConfigInput | ExecutionConfig;
  env?: NodeJS.ProcessEnv;
  /** The service was started with `--live`: required before any venue runs in `live` mode. */
  allowLive?: boolean;
  now?: () => number;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  onFills?: () => void;
  /** Replaces how a gateway is built (tests); the default builds DryRunGateway or CcxtGateway. */
  gatewayFactory?: (venue: string, mode: ExecutionMode) => VenueGateway;
  /** ccxt's client-side throttle for testnet/live gateways (default on). */
  enableRateLimit?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Whether this instance leads (several instances on PostgreSQL, leadership.ts); absent: it always does. */
  leads?: () => boolean;
}

export class ExecutionService {
  readonly config: ExecutionConfig;
  readonly orders: OrderStore;
  /** Every order change as it is written (the stream's `order` messages). */
  readonly updates: OrderUpdates;
  readonly manager: OrderManager;
  private readonly gateways = new Map<string, VenueGateway>();
  private reconciled: Promise<ReconcileReport> | null = null;
  lastReconcile: ReconcileReport | null = null;
  /** Executions in progress (awaited by `close`). */
  private readonly running = new Set<Promise<ExecutionResult>>();
  private readonly results = new Map<
    string,
    { running: boolean; result: ExecutionResult | null; error: string | null }
  >();

  constructor(
    private readonly options: ExecutionServiceOptions,
    orders: OrderStore,
  ) {
    this.config = parseExecutionConfig(options.config ?? {});
    this.orders = orders;
    this.updates = orderUpdatesOf(options.store);
    this.updates.onError = (error) => options.log?.error({ err: error }, 'publishing an order update failed');
    for (const [venue, settings] of Object.entries(this.config.venues)) {
      if ((settings?.mode ?? this.config.mode) === 'live' && !options.allowLive) {
        throw new LiveNotAllowedError(
          `execution.venues.${venue}.mode: live trading needs the service started with --live`,
        );
      }
    }
    if (this.config.mode === 'live' && !options.allowLive) {
      throw new LiveNotAllowedError('execution.mode: live trading needs the service started with --live');
    }
    this.manager = new OrderManager({
      orders: this.orders,
      config: this.config,
      gateway: (venue, mode) => this.gateway(venue, mode),
      market: options.market,
      ...(options.now ? { now: options.now } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.onFills ? { onFills: options.onFills } : {}),
    });
  }

  gateway(venue: string, mode: ExecutionMode): VenueGateway {
    const key = `${venue}/${mode}`;
    let gateway = this.gateways.get(key);
    if (!gateway) {
      gateway = this.options.gatewayFactory?.(venue, mode) ?? this.buildGateway(venue, mode);
      this.gateways.set(key, gateway);
    }
    return gateway;
  }

  private buildGateway(venue: string, mode: ExecutionMode): VenueGateway {
    if (mode === 'dry-run') return new DryRunGateway(venue, this.options.market, this.options.now);
    if (mode === 'live' && !this.options.allowLive) {
      throw new LiveNotAllowedError(
        `execution.venues.${venue}.mode: live trading needs the service started with --live`,
      );
    }
    const settings = this.config.venues[venue as keyof ExecutionConfig['venues']];
    return new CcxtGateway({
      venue: venue as Venue,
      mode,
      credentials: credentialsFromEnv(venue, this.options.env ?? process.env),
      ...(settings?.restUrl !== undefined ? { restUrl: settings.restUrl } : {}),
      ...(settings?.requestTimeoutMs !== undefined ? { timeoutMs: settings.requestTimeoutMs } : {}),
      ...(this.options.enableRateLimit !== undefined ? { enableRateLimit: this.options.enableRateLimit } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
  }

  /** Reconciles once per start, before the first order (later callers wait for the same run). */
  ready(): Promise<ReconcileReport | null> {
    // With several instances on one database only the leader reconciles (another instance's working orders are
    // not this one's to expire or cancel); a follower trades on what the leader reconciled.
    if (this.options.leads && !this.options.leads()) return Promise.resolve(this.lastReconcile);
    this.reconciled ??= this.manager.reconcile().then(
      (report) => (this.lastReconcile = report),
      (error: unknown) => {
        // Not cached: the next call tries again.
        this.reconciled = null;
        throw error;
      },
    );
    return this.reconciled;
  }

  /** Reconciles again (this instance took over as leader: the orders the old leader followed are now its own). */
  reconcileAgain(): Promise<ReconcileReport | null> {
    this.reconciled = null;
    return this.ready();
  }

  execute(ticketId: string, actor: string): Promise<ExecutionResult> {
    const run = this.run(ticketId, actor);
    // Tracked until it ends, so a shutdown lets it stop at its next step and write its last state before the
    // store closes (a 202 execution runs on after its request has been answered).
    this.running.add(run);
    const untrack = () => this.running.delete(run);
    run.then(untrack, untrack);
    return run;
  }

  private async run(ticketId: string, actor: string): Promise<ExecutionResult> {
    await this.ready();
    this.results.set(ticketId, { running: true, result: null, error: null });
    try {
      const result = await this.manager.execute(ticketId, actor);
      this.results.set(ticketId, { running: false, result, error: null });
      return result;
    } catch (error) {
      this.results.set(ticketId, { running: false, result: null, error: (error as Error).message });
      throw error;
    }
  }

  /** Whether a ticket's execution runs now, and how the last one ended (since this start). */
  status(ticketId: string) {
    return this.results.get(ticketId) ?? null;
  }

  async halt(actor: string, reason: string | null): Promise<HaltReport> {
    return this.manager.halt(actor, reason);
  }

  resume(actor: string, reason: string | null) {
    return this.manager.resume(actor, reason);
  }

  /** Stops the executions at their next step, waits for them (their last writes), then closes the gateways. */
  async close(): Promise<void> {
    this.manager.stop();
    await Promise.allSettled([...this.running]);
    for (const gateway of this.gateways.values()) await gateway.close();
    this.gateways.clear();
  }
}

/** The execution service on `options.store` (its order tables checked, the kill switch read). */
export async function createExecutionService(options: ExecutionServiceOptions): Promise<ExecutionService> {
  const updates = orderUpdatesOf(options.store);
  const orders = await ObservedOrderStore.openObserved(options.store, options.now, updates);
  // The stream's first `orders` message for a subscriber: the orders as they stand at start-up, then every update.
  updates.seed(await recentOrders(orders));
  return new ExecutionService(options, orders);
}
