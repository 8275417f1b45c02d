/** API keys and the audit log (admin). */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { NotFoundError, parseApiKey } from '../store/index.js';
import { MS_PER_DAY, MS_PER_MINUTE } from '../../../hedging/index.js';
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
      handler: async () => ({ body: { keys: await ctx.store.listApiKeys() } }),
    }),
    route({
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key; the key is in this response only',
      tag: 'admin',
      auth: 'admin',
      body: s.keyCreateSchema.extend({
        expiresInDays: z.number().positive().max(3_650).optional().describe('the key stops working after (never)'),
      }),
      responses: {
        201: { description: 'the new key (shown once)', schema: s.keyRecordSchema.extend({ key: z.string() }) },
      },
      handler: async ({ body, principal }) => {
        const lifetime = body.expiresInDays === undefined ? {} : { ttlMs: body.expiresInDays * MS_PER_DAY };
        const created = await ctx.store.createApiKey(body.role, actor(principal), body.label, lifetime);
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
      handler: async ({ params, principal }) => {
        // A whole key pasted as the id revokes that key, and its secret is never echoed.
        const id = parseApiKey(params.id)?.id ?? params.id;
        if (!(await ctx.store.revokeApiKey(id, actor(principal)))) throw notFound('key', id);
        ctx.auth.invalidate();
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/api/keys/:id/rotate',
      summary: 'Rotate an API key: a new key of the same role and label, in this response only',
      tag: 'admin',
      auth: 'admin',
      params: s.idParams,
      body: z
        .object({
          graceMinutes: z.number().min(0).max(10_080).optional().describe('the old key keeps working this long (0)'),
          expiresInDays: z.number().positive().max(3_650).optional().describe("the new key's lifetime"),
        })
        .strict(),
      responses: {
        201: {
          description: 'the new key (shown once) and the old key as it now is',
          schema: s.keyRecordSchema.extend({ key: z.string(), previous: s.keyRecordSchema }),
        },
        404: { description: 'no active key with this id (revoked, expired or already rotated)' },
      },
      handler: async ({ params, body, principal }) => {
        const id = parseApiKey(params.id)?.id ?? params.id;
        try {
          const rotated = await ctx.store.rotateApiKey(id, actor(principal), {
            ...(body.graceMinutes !== undefined ? { graceMs: body.graceMinutes * MS_PER_MINUTE } : {}),
            ...(body.expiresInDays !== undefined ? { ttlMs: body.expiresInDays * MS_PER_DAY } : {}),
          });
          ctx.auth.invalidate();
          return { status: 201, body: { ...rotated.record, key: rotated.key, previous: rotated.previous } };
        } catch (error) {
          if (error instanceof NotFoundError) throw notFound('active key', id);
          throw error;
        }
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
      handler: async ({ query }) => ({ body: { entries: await ctx.store.listAudit(query.limit ?? 100) } }),
    }),
  ];
}
