/** API keys and the audit log (admin). */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { actor, notFound } from './common.js';

export function adminRoutes(ctx: ServiceContext): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/keys',
      summary: 'List API keys (ids and roles; never the keys)',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'keys', schema: z.object({ keys: z.array(s.keyRecordSchema) }) } },
      handler: () => ({ body: { keys: ctx.store.listApiKeys() } }),
    }),
    route({
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key; the key is in this response only',
      tag: 'admin',
      auth: 'admin',
      body: s.keyCreateSchema,
      responses: {
        201: { description: 'the new key (shown once)', schema: s.keyRecordSchema.extend({ key: z.string() }) },
      },
      handler: ({ body, principal }) => {
        const created = ctx.store.createApiKey(body.role, actor(principal), body.label);
        return { status: 201, body: { ...created.record, key: created.key } };
      },
    }),
    route({
      method: 'delete',
      path: '/api/keys/:id',
      summary: 'Revoke an API key',
      tag: 'admin',
      auth: 'admin',
      params: s.idParams,
      responses: { 204: { description: 'revoked' }, 404: { description: 'no such active key' } },
      handler: ({ params, principal }) => {
        if (!ctx.store.revokeApiKey(params.id, actor(principal))) throw notFound('key', params.id);
        ctx.auth.invalidate();
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: 'The audit log, newest first',
      tag: 'admin',
      auth: 'admin',
      query: s.auditQuery,
      responses: { 200: { description: 'entries', schema: z.object({ entries: z.array(z.unknown()) }) } },
      handler: ({ query }) => ({ body: { entries: ctx.store.listAudit(query.limit ?? 100) } }),
    }),
  ];
}
