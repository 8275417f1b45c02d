/** Every route of the desk API, one file per resource, declared once for express and the OpenAPI document. */
import type { ServiceContext } from '../context.js';
import type { RouteDef } from '../registry.js';
import { adminRoutes } from './admin.js';
import { bookRoutes } from './book.js';
import { configRoutes } from './config.js';
import { executionRoutes } from './execution.js';
import { holdingRoutes } from './holdings.js';
import { labRoutes } from './lab.js';
import { operationRoutes } from './operations.js';
import { positionRoutes } from './positions.js';
import { ticketRoutes } from './tickets.js';

export function buildRoutes(ctx: ServiceContext): RouteDef[] {
  return [
    ...operationRoutes(ctx),
    ...positionRoutes(ctx),
    ...bookRoutes(ctx),
    ...ticketRoutes(ctx),
    ...executionRoutes(ctx),
    ...holdingRoutes(ctx),
    ...adminRoutes(ctx),
    ...configRoutes(ctx),
    ...labRoutes(ctx),
  ];
}
