/** The desk config reload (admin): the same reload as SIGHUP, answered with what changed (configReload.ts). */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import { INVALID_CONFIG } from '../../config/deskConfig.js';
import { actor } from './common.js';

const reloadResultSchema = z.object({
  applied: z.boolean().describe('false for a dry run: nothing changed'),
  dryRun: z.boolean(),
  actor: z.string(),
  files: z.array(z.string()).describe('the desk config files the service started from, re-read'),
  changes: z
    .array(z.object({ file: z.string(), path: z.string(), from: z.unknown(), to: z.unknown() }))
    .describe('every difference between the files as last applied and as read now'),
  deskPolicy: z.object({ changed: z.boolean(), fields: z.array(z.string()) }),
  fourEyes: z.object({ from: z.boolean(), to: z.boolean() }).nullable(),
  positions: z.object({
    created: z.array(z.string()),
    updated: z.array(z.object({ id: z.string(), fields: z.array(z.string()), heldHedges: z.number() })),
    unchanged: z.array(z.string()),
    kept: z
      .array(z.object({ id: z.string(), reason: z.string() }))
      .describe('positions no config declares any more: a reload never deletes a position'),
  }),
  notApplied: z.array(z.object({ file: z.string(), path: z.string(), reason: z.string() })),
});

export function configRoutes(ctx: ServiceContext): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/admin/reload-config',
      summary:
        'Re-read and validate the desk config files of start-up, then apply them (desk policy, fourEyes, config positions); on any error nothing changes',
      tag: 'admin',
      auth: 'admin',
      body: z
        .object({ dryRun: z.boolean().optional().describe('validate and answer what would change, change nothing') })
        .strict(),
      responses: {
        200: { description: 'reloaded (or, dry run, what a reload would change)', schema: reloadResultSchema },
        400: { description: 'invalid-config: a file or field that does not validate; the running config is unchanged' },
      },
      handler: async ({ body, principal }) => {
        const reloader = ctx.configReload;
        if (!reloader) {
          throw new HttpError(
            INVALID_CONFIG,
            'no desk config to reload: this service was not started from desk config files (ilhedge serve)',
          );
        }
        return { body: await reloader.reload(actor(principal), { dryRun: body.dryRun ?? false }) };
      },
    }),
  ];
}
