/**
 * Wires the desk service together and runs it: store, auth, hub, express app and websocket stream on one HTTP
 * server, with timeouts and a graceful shutdown (stop accepting, close websockets with 1001, wait for in-flight
 * ticket writes, stop the feeds, checkpoint and close SQLite).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { Authenticator, redactPaths } from './auth.js';
import type { ServiceContext } from './context.js';
import type { HedgePolicy as DeskPolicy } from '../../hedging/index.js';
import type { Venue } from '../../adapters/index.js';
import { DeskBook } from './deskBook.js';
import { HedgeHub } from './hub.js';
import { createMetrics } from './metrics.js';
import type { ServiceMetrics } from './metrics.js';
import { openStore } from './store/index.js';
import type { Store } from './store/index.js';
import { HedgeStream } from './stream.js';
import type { MarketFeed, PositionSpec } from './types.js';
import type { ManualHoldingInput } from './store/index.js';
import type { ExecutionConfigInput } from './execution/config.js';
import { marketViewOf } from './execution/market.js';
import { createExecutionService } from './execution/service.js';
import { refreshHoldings } from './routes/tickets.js';
import { createBookSync } from './bookSync.js';
import type { BookSync } from './bookSync.js';
import { leadershipFor, onLeader } from './leadership.js';
import type { Leadership } from './leadership.js';

export const SERVICE_VERSION = '0.1.0';

export interface ServiceOptions {
  port?: number;
  host?: string;
  /** SQLite file, or `:memory:`. */
  /** The store: a SQLite file (`:memory:` in tests) or a PostgreSQL URL. */
  dbPath: string;
  /** How often a follower tries to become leader (PostgreSQL; default 1000 ms). */
  leaderRetryMs?: number;
  /** How often the leader expires proposed tickets past their TTL (default 5000 ms). */
  expirySweepMs?: number;
  feeds: MarketFeed[];
  logger?: Logger;
  logLevel?: string;
  /** The desk's hedge policy (the desk config's `policy` section, resolved): the book's, and every position's base. */
  deskPolicy?: DeskPolicy;
  /** The market of positions created without one (default deribit/BTC). */
  defaultMarket?: { venue: Venue; underlying: string };
  /** Four-eyes approval of tickets (default on). */
  fourEyes?: boolean;
  /** The desk config's `execution` section (default: dry-run on every venue). */
  execution?: ExecutionConfigInput;
  /** `--live`: live-mode venues may trade. */
  allowLive?: boolean;
  /** Keep the ticket engine's option suggestions on the stream (default on). */
  suggestions?: boolean;
  /** `/ready` wants every feed's latest snapshot younger than this (wall clock). Default 10 s. */
  maxFeedAgeMs?: number;
  /** Positions to insert when the database has never held any (first run). */
  seedPositions?: readonly PositionSpec[];
  /** Hedges already held (the desk config's), entered into the ledger on first run with the positions. */
  seedHoldings?: readonly ManualHoldingInput[];
  /** On a database without an active admin key, create one and return it (once) in `firstAdminKey`. */
  createAdminKeyIfNone?: boolean;
  heartbeatMs?: number;
  /** Per-client buffered bytes above which a websocket client is conflated. */
  wsHighWaterBytes?: number;
  maxWsClients?: number;
  bodyLimit?: string;
  /** A request still unanswered after this long gets 503 (default 30 s). */
  handlerTimeoutMs?: number;
  /** Collect Node's default process metrics (off in tests that start many services). */
  defaultMetrics?: boolean;
  now?: () => number;
}

export interface ServiceHandle {
  url: string;
  port: number;
  server: Server;
  store: Store;
  hub: HedgeHub;
  stream: HedgeStream;
  metrics: ServiceMetrics;
  log: Logger;
  context: ServiceContext;
  /** The admin key created on first run (print it once, never log it), else null. */
  firstAdminKey: string | null;
  seeded: number;
  /** Graceful shutdown; safe to call more than once. */
  close(reason?: string): Promise<void>;
}

export function createLogger(
  level = process.env.ILHEDGE_LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options = { level, base: { service: 'ilhedge' }, redact: { paths: redactPaths, censor: '[Redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export async function startService(options: ServiceOptions): Promise<ServiceHandle> {
  const log = options.logger ?? createLogger(options.logLevel);
  const now = options.now ?? Date.now;
  const store = await openStore(options.dbPath);
  let sync: BookSync | null = null;
  let leadership: Leadership | null = null;
  const stopDuties: (() => void)[] = [];
  try {
    leadership = await leadershipFor(options.dbPath, {
      log: (message) => log.warn(message),
      ...(options.leaderRetryMs !== undefined ? { retryMs: options.leaderRetryMs } : {}),
    });
    const leader = leadership;
    const metrics = createMetrics(options.defaultMetrics ?? false);
    const auth = new Authenticator(store);
    const maxFeedAgeMs = options.maxFeedAgeMs ?? 10_000;
    let hub: HedgeHub | null = null;
    const desk = new DeskBook({
      ...(options.deskPolicy ? { deskPolicy: options.deskPolicy } : {}),
      markets: () => hub?.markets() ?? new Map(),
      holdings: () => sync?.holdings() ?? [],
      now,
      maxQuoteAgeMs: maxFeedAgeMs,
      ...(options.suggestions !== undefined ? { suggestions: options.suggestions } : {}),
      onError: (error) => log.error({ err: error }, 'hedge computation failed'),
    });
    hub = new HedgeHub(desk, options.feeds, now);
    hub.onError = (error) => log.error({ err: error }, 'hedge computation failed');
    const liveHub = hub;
    sync = createBookSync(store, {
      positions: (positions) => liveHub.setPositions(positions),
      holdings: () => liveHub.refreshHoldings(),
      keys: () => auth.invalidate(),
      // Another instance halted or resumed execution: the kill switch is read again at once.
      other: (change) => {
        if (change.kind === 'halt' || change.kind === 'config') {
          context.execution?.orders
            .refreshHalt()
            .catch((error: unknown) => log.error({ err: error }, 'reading the kill switch failed'));
        }
      },
      onError: (error, what) => log.error({ err: error }, what),
    });
    const bookSync = sync;

    let seeded = 0;
    if (options.seedPositions) {
      // Positions and the hedges held beside them are seeded together (ids are the config's where it gives them),
      // on a store that never had a position, by one instance only.
      seeded = await store.seedIfEmpty(options.seedPositions, options.seedHoldings ?? [], 'system:seed');
    }
    await bookSync.refreshHoldings();
    let firstAdminKey: string | null = null;
    if (options.createAdminKeyIfNone) {
      firstAdminKey = (await store.createFirstApiKey('admin', 'system:first-run', 'first-run admin'))?.key ?? null;
    }

    const context: ServiceContext = {
      store,
      hub,
      desk,
      auth,
      metrics,
      log,
      now,
      defaultMarket: options.defaultMarket ?? { venue: 'deribit', underlying: 'BTC' },
      fourEyes: options.fourEyes ?? true,
      maxFeedAgeMs,
      startedAtMs: now(),
      version: SERVICE_VERSION,
      refreshPositions: bookSync.refreshPositions,
      refreshHoldings: bookSync.refreshHoldings,
      inflight: new Set(),
      leadership: leader,
    };
    await context.refreshPositions();
    hub.onTick((tick) => metrics.ticks.inc({ market: tick.marketKey }));
    hub.start();
    // The order manager at start-up, so open orders are reconciled with the venues before anything new is sent.
    context.execution = await createExecutionService({
      store,
      market: marketViewOf(() => hub.markets()),
      ...(options.execution !== undefined ? { config: options.execution } : {}),
      allowLive: options.allowLive ?? false,
      now,
      log,
      onFills: () => void refreshHoldings(context),
      leads: () => leader.isLeader(),
    });
    const execution = context.execution;
    // The leader's duties: orders reconciled now (in the background: a venue that cannot be reached yet is retried
    // before the first order) and again on a takeover; proposed tickets past their TTL expired every few seconds.
    stopDuties.push(
      onLeader(leader, () => execution.reconcileAgain(), {
        onError: (error) => log.warn({ err: error }, 'reconciling orders failed'),
      }),
      onLeader(leader, () => store.expireTickets(now()), {
        everyMs: options.expirySweepMs ?? 5_000,
        onError: (error) => log.warn({ err: error }, 'expiring tickets failed'),
      }),
    );
    leader.onChange((leads) => log.info({ leader: leads }, leads ? 'this instance leads' : 'this instance follows'));

    const { app } = createApp(context, {
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
      ...(options.handlerTimeoutMs ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
    });
    const server = createServer(app);
    // Slow-loris and stuck-client limits: headers within 10 s, a whole request within 30 s.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    const stream = new HedgeStream(server, hub, auth, metrics, {
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.wsHighWaterBytes ? { highWaterBytes: options.wsHighWaterBytes } : {}),
      ...(options.maxWsClients ? { maxClients: options.maxWsClients } : {}),
      log,
    });

    for (const feed of options.feeds) {
      await feed.start();
    }

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    log.info({ url, db: options.dbPath, engine: 'hedging', feeds: options.feeds.length }, 'service listening');

    let closing: Promise<void> | null = null;
    const close = (reason = 'shutdown'): Promise<void> => {
      closing ??= (async () => {
        log.info({ reason }, 'shutting down');
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await stream.close();
        await Promise.allSettled([...context.inflight]);
        await context.execution?.close();
        // Requests still running get a short grace, then their sockets are cut.
        const grace = setTimeout(() => server.closeAllConnections(), 2_000);
        grace.unref();
        await serverClosed;
        clearTimeout(grace);
        hub.stop();
        await desk.close();
        for (const feed of options.feeds) await feed.stop();
        bookSync.stop();
        for (const stop of stopDuties) stop();
        await leader.close();
        await store.close();
        log.info('stopped');
      })();
      return closing;
    };

    return {
      url,
      port: address.port,
      server,
      store,
      hub,
      stream,
      metrics,
      log,
      context,
      firstAdminKey,
      seeded,
      close,
    };
  } catch (error) {
    sync?.stop();
    for (const stop of stopDuties) stop();
    await leadership?.close();
    await store.close();
    throw error;
  }
}

/** SIGTERM/SIGINT -> graceful shutdown, then exit; a second signal exits at once. */
export function installSignalHandlers(handle: ServiceHandle, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return exit(130);
    stopping = true;
    handle
      .close(signal)
      .then(() => exit(0))
      .catch((error: unknown) => {
        handle.log.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
