/** src/service/: the desk service (REST, websocket hedge stream, SQLite store, API keys, dashboard). */
export { startService, installSignalHandlers, createLogger, SERVICE_VERSION } from './server.js';
export type { ServiceOptions, ServiceHandle } from './server.js';
export { runService, loadDesk, replayFeed, seedHoldingsOf, EXAMPLE_POSITIONS } from './run.js';
export { createApp } from './app.js';
export { HedgeHub } from './hub.js';
export { hedgeFrame, hedgeMessage } from './wire.js';
export type { PreparedState, TickResult } from './hub.js';
export {
  HedgeStream,
  wsClientMessageSchema,
  CLOSE_NORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_UNSUPPORTED,
  CLOSE_POLICY,
} from './stream.js';
export { Authenticator, roleAllows, redactPaths, redactUrl, bearerFrom, keyFromUpgrade } from './auth.js';
export type { Principal } from './auth.js';
export { openApiDocument, mountRoutes, route, HttpError } from './registry.js';
export type { RouteDef } from './registry.js';
export { resolveServiceSettings, serviceSettingsSchema, ConfigError, ENV_VARS } from './config.js';
export { createMetrics } from './metrics.js';
export { DeskBook, NoMarketError } from './deskBook.js';
export type * from './hedgeState.js';
export { ScriptedFeed } from './feeds/scripted.js';
export { SnapshotReplayFeed } from './feeds/replay.js';
export { fromAdapterSnapshot } from './feeds/fromAdapters.js';
export * from './store/index.js';
export * from './types.js';
