/** Prometheus metrics (prom-client), on a registry per service instance so tests can run several side by side. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  authFailures: Counter<'status'>;
  wsClients: Gauge;
  wsMessages: Counter;
  wsConflated: Counter;
  tickToSend: Histogram;
  ticks: Counter<'market'>;
  tickets: Counter<'status'>;
  feedAge: Gauge<'market'>;
}

export function createMetrics(defaults = true): ServiceMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'ilhedge_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'ilhedge_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ilhedge_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    authFailures: new Counter({
      name: 'ilhedge_auth_failures_total',
      help: 'Rejected requests (401/403)',
      labelNames: ['status'],
      registers,
    }),
    wsClients: new Gauge({ name: 'ilhedge_ws_clients', help: 'Connected websocket clients', registers }),
    wsMessages: new Counter({ name: 'ilhedge_ws_messages_total', help: 'Hedge messages sent', registers }),
    wsConflated: new Counter({
      name: 'ilhedge_ws_conflated_total',
      help: 'Hedge messages replaced by a newer state before a slow client could take them',
      registers,
    }),
    tickToSend: new Histogram({
      name: 'ilhedge_tick_to_send_seconds',
      help: 'From a market tick arriving to its hedge message being handed to a socket',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1],
      registers,
    }),
    ticks: new Counter({
      name: 'ilhedge_market_ticks_total',
      help: 'Market updates processed',
      labelNames: ['market'],
      registers,
    }),
    tickets: new Counter({
      name: 'ilhedge_tickets_total',
      help: 'Ticket status changes',
      labelNames: ['status'],
      registers,
    }),
    feedAge: new Gauge({
      name: 'ilhedge_feed_age_seconds',
      help: 'Age of the latest market snapshot (wall clock since it arrived)',
      labelNames: ['market'],
      registers,
    }),
  };
}
