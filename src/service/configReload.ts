/**
 * The desk config reload (`SIGHUP` to `ilhedge serve`, `POST /api/admin/reload-config`): the desk config files the
 * service started from are read again and validated in full by the functions start-up uses (`loadDesk`: parse, the
 * schema, every LP position built, every position's policy resolved; the held hedges checked against the markets
 * served) before anything changes. Only then is the new config applied, all of it or none of it: the positions it
 * changes and the audit row of the reload in one store transaction, then the desk policy, four-eyes and the
 * positions in the running book. Any problem refuses the whole reload with 400 `invalid-config` naming the file and
 * the field, and the old config keeps applying.
 *
 * What a reload changes:
 * - the desk policy (the first config's `policy` and `limits`: the book's, and the base of every position without
 *   its own) and `fourEyes` (the first config's), as start-up takes them;
 * - the LP positions and venue balances the configs declare, by id: a new id is created, a changed definition or policy replaces the
 *   stored one (a new version, audited), an equal one is left as it is.
 *
 * What it never does:
 * - delete a position: one no longer declared stays in the book and is reported as `kept` (DELETE it through the
 *   API), whatever holdings it has;
 * - touch a position created or last changed through the API: a config declaring such an id with another
 *   definition is refused (put the position's current definition in the file, or change it through the API); a
 *   position deleted through the API is not brought back (the id is refused);
 * - change the market feeds or execution (`market`, `execution`: set up at start-up; a change is refused, restart
 *   the service), or the ledger: held hedges of a config enter the ledger on first run only (as on a restart), and a
 *   change to them is reported in `notApplied`, as is a change that has no effect on the service (`mode`, another
 *   config's `fourEyes`).
 */
import { basename } from 'node:path';
import { withPolicyOverrides, resolvePolicy, type HedgePolicy, errorCodeOf } from '../../hedging/index.js';
import { INVALID_CONFIG, deskPolicy, type DeskConfig } from '../config/deskConfig.js';
import type { ServiceContext } from './context.js';
import { HttpError } from './httpErrors.js';
import type { LoadedDesk } from './run.js';
import type { ServiceHandle } from './server.js';
import { canonicalJson } from './store/index.js';
import type { PositionSpec, StoredPosition } from './types.js';

/** The audit actor of the positions a reload writes (the reload's own row names who asked for it). */
export const RELOAD_ACTOR = 'system:config-reload';
/** Writers whose positions belong to the desk config: seeded on first run, or written by a reload. */
const CONFIG_ACTORS: ReadonlySet<string> = new Set(['system:seed', RELOAD_ACTOR]);

/** Where the desk config comes from: the files of start-up, read and checked as start-up does. */
export interface DeskSource {
  /** The desk config files the service started from, in start-up order (the first one's policy is the desk's). */
  files: readonly string[];
  /** Reads and validates the files (`loadDesk` on the same files). */
  load(): Promise<LoadedDesk>;
  /** Checks the held hedges of a loaded desk against the markets served (`seedHoldingsOf`); throws invalid-config. */
  checkHeld(desk: LoadedDesk): void;
}

export interface ConfigChange {
  file: string;
  /** The config path, e.g. `policy.band.k`, `positions[0].depositValue`. */
  path: string;
  from: unknown;
  to: unknown;
}

export interface ReloadIssue {
  file: string | null;
  fields: string[];
  message: string;
}

export interface ReloadResult {
  /** False for a dry run: validated and planned, nothing changed. */
  applied: boolean;
  dryRun: boolean;
  actor: string;
  files: string[];
  /** Every difference between the config files as last applied and as read now. */
  changes: ConfigChange[];
  /** The desk policy's fields that changed (`band.k`, `limits.maxContractsPerLeg`). */
  deskPolicy: { changed: boolean; fields: string[] };
  fourEyes: { from: boolean; to: boolean } | null;
  positions: {
    created: string[];
    /** Replaced definitions: the fields that changed, and the hedges held for the position (they stay held). */
    updated: { id: string; fields: string[]; heldHedges: number }[];
    unchanged: string[];
    /** Positions of the book a config no longer declares: never deleted by a reload. */
    kept: { id: string; reason: string }[];
  };
  /** Changes read but not applied by a reload, with the reason. */
  notApplied: { file: string; path: string; reason: string }[];
}

interface Plan {
  result: ReloadResult;
  desk: LoadedDesk;
  policy: HedgePolicy;
  fourEyes: boolean;
  creates: PositionSpec[];
  updates: PositionSpec[];
}

/** A JSON copy (undefined fields dropped), so stored and read values compare as the store keeps them. */
function plain(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The paths at which two JSON values differ, with both sides. */
export function diffValues(from: unknown, to: unknown, path = ''): { path: string; from: unknown; to: unknown }[] {
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => diffValues(from[k], to[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const out: { path: string; from: unknown; to: unknown }[] = [];
    for (let i = 0; i < Math.max(from.length, to.length); i++) out.push(...diffValues(from[i], to[i], `${path}[${i}]`));
    return out;
  }
  if (canonicalJson(from) === canonicalJson(to)) return [];
  return [{ path: path || '(root)', from: from ?? null, to: to ?? null }];
}

/** A stored position's definition, as it was given (without the store's id, version and times). */
function definitionOf(stored: StoredPosition): unknown {
  const { version: _v, createdAtMs: _c, updatedAtMs: _u, ...spec } = stored;
  return plain(spec);
}

function refusal(issues: ReloadIssue[]): HttpError {
  return new HttpError(
    INVALID_CONFIG,
    `config reload refused, the running config is unchanged: ${issues.map((i) => i.message).join('; ')}`,
    issues,
  );
}

export class ConfigReloader {
  private configs: LoadedDesk['configs'];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly source: DeskSource,
    initial: LoadedDesk,
  ) {
    this.configs = initial.configs;
  }

  /** Reloads (one at a time, in order); `dryRun` validates and answers what would change, changing nothing. */
  reload(actor: string, options: { dryRun?: boolean } = {}): Promise<ReloadResult> {
    const run = this.queue.then(() => this.run(actor, options.dryRun ?? false));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(actor: string, dryRun: boolean): Promise<ReloadResult> {
    const { log } = this.ctx;
    const files = [...this.source.files];
    let plan: Plan;
    try {
      plan = await this.plan(await this.read(), actor, dryRun);
      if (!dryRun) await this.apply(plan, actor);
    } catch (error) {
      const issues = error instanceof HttpError && Array.isArray(error.details) ? error.details : undefined;
      const message = (error as Error).message;
      if (errorCodeOf(error) === INVALID_CONFIG.code) log.warn({ actor, files, issues, dryRun }, message);
      else log.error({ err: error, actor, files, dryRun }, `config reload failed, the running config is unchanged`);
      if (!dryRun) {
        try {
          await this.ctx.store.audit(actor, 'config.reload.refused', null, {
            files,
            code: errorCodeOf(error),
            message,
          });
        } catch (auditError) {
          log.error({ err: auditError }, 'the refused config reload could not be audited');
        }
      }
      throw error;
    }
    const r = plan.result;
    const summary = [
      r.deskPolicy.changed ? `desk policy (${r.deskPolicy.fields.join(', ')})` : null,
      r.fourEyes ? `fourEyes ${r.fourEyes.from} -> ${r.fourEyes.to}` : null,
      r.positions.created.length ? `positions created: ${r.positions.created.join(', ')}` : null,
      r.positions.updated.length ? `positions updated: ${r.positions.updated.map((u) => u.id).join(', ')}` : null,
    ].filter(Boolean);
    log.info(
      { actor, files, dryRun, changes: r.changes, positions: r.positions, notApplied: r.notApplied },
      `${dryRun ? 'desk config reload (dry run) would apply' : 'desk config reloaded'}: ${summary.join('; ') || 'nothing changed'}`,
    );
    return r;
  }

  /** The desk as start-up reads it; its invalid-config errors name the file and the field. */
  private async read(): Promise<LoadedDesk> {
    let desk: LoadedDesk;
    try {
      desk = await this.source.load();
    } catch (error) {
      throw this.asRefusal(error, null);
    }
    try {
      this.source.checkHeld(desk);
    } catch (error) {
      // The message names the position (`positions.<id>.instrument`): the file is the config that declares it.
      const id = /positions\.([^.:\s]+)/.exec((error as Error).message)?.[1];
      const owner = desk.configs.find((c) => c.config.positions.some((p) => p.id === id));
      throw this.asRefusal(error, owner?.file ?? null);
    }
    return desk;
  }

  private asRefusal(error: unknown, file: string | null): unknown {
    const isConfig = errorCodeOf(error) === INVALID_CONFIG.code || (error as Error)?.name === 'ZodError';
    if (!isConfig || !(error instanceof Error)) return error;
    const message = error.message;
    const named =
      file ??
      this.source.files.find((f) => message.includes(f)) ??
      this.source.files.find((f) => message.includes(basename(f))) ??
      null;
    const coded = error as Error & { fields?: string[]; field?: string };
    const fields = coded.fields ?? (coded.field !== undefined ? [coded.field] : []);
    const text =
      named && !message.includes(named) && !message.includes(basename(named)) ? `${named}: ${message}` : message;
    return refusal([{ file: named, fields, message: text }]);
  }

  private async plan(desk: LoadedDesk, actor: string, dryRun: boolean): Promise<Plan> {
    const { ctx } = this;
    const issues: ReloadIssue[] = [];
    const notApplied: ReloadResult['notApplied'] = [];
    const issue = (file: string | null, field: string, message: string) =>
      issues.push({ file, fields: [field], message: `${file ?? 'config'}: ${field}: ${message}` });

    // What changed in each file since it was last applied.
    const changes: ConfigChange[] = [];
    const before = new Map(this.configs.map((c) => [c.file, c.config]));
    desk.configs.forEach(({ file, config }, n) => {
      const old = before.get(file);
      const diff = diffValues(plain(old ?? {}), plain(config)).map((d) => ({ file, ...d }));
      changes.push(...diff);
      const heldAt = new Set<string>();
      for (const d of diff) {
        const top = d.path.split(/[.[]/)[0];
        if (top === 'market' || top === 'execution' || top === 'store') {
          issue(
            file,
            d.path,
            `changed (${JSON.stringify(d.from)} -> ${JSON.stringify(d.to)}); the market feeds, execution and the store are set up at start-up: restart the service to change them`,
          );
        } else if (top === 'mode') {
          notApplied.push({
            file,
            path: d.path,
            reason: "the CLI's default mode: the service takes the mode per ticket",
          });
        } else if (top === 'fourEyes' && n > 0) {
          notApplied.push({ file, path: d.path, reason: "only the first config's fourEyes applies to the desk" });
        } else if (top === 'positions') {
          const at = /^positions\[(\d+)\]/.exec(d.path);
          const i = at ? Number(at[1]) : -1;
          const held = (c: DeskConfig | undefined) => {
            const p = c?.positions[i];
            return p !== undefined && p.kind !== 'lp' && p.kind !== 'balance';
          };
          if (at && (held(old) || held(config)) && !heldAt.has(at[0])) {
            heldAt.add(at[0]);
            notApplied.push({
              file,
              path: at[0],
              reason: 'held hedges enter the ledger on first run only: enter fills through POST /api/holdings',
            });
          }
        }
      }
    });

    const first = desk.configs[0]?.config;
    const policy = first ? deskPolicy(first) : resolvePolicy({});
    const fourEyes = first ? first.fourEyes : ctx.fourEyes;
    const policyFields = diffValues(plain(ctx.desk.deskPolicy), plain(policy)).map((d) => d.path);
    if (
      policyFields.some((f) => f.startsWith('candidates')) &&
      ctx.hub.feedList().some((f) => f.current()?.source === 'live')
    ) {
      notApplied.push({
        file: desk.configs[0]!.file,
        path: 'policy.candidates',
        reason:
          'the live feed keeps the option tickers chosen at start-up: candidates it does not subscribe have no quotes until a restart',
      });
    }

    // Who wrote each position last: the config (seed, reload) or the API.
    const created = new Map<string, string>();
    const lastWriter = new Map<string, string>();
    for (const entry of await ctx.store.allAudit()) {
      if (entry.target === null || !entry.action.startsWith('position.')) continue;
      if (entry.action === 'position.create') created.set(entry.target, entry.actor);
      lastWriter.set(entry.target, entry.actor);
    }
    const stored = await ctx.store.listPositions();
    const storedById = new Map(stored.map((p) => [p.id, p]));
    const heldHedges = (id: string) => ctx.desk.holdings().filter((h) => h.scope.includes(id)).length;
    const where = new Map<string, { file: string; index: number }>();
    for (const { file, config } of desk.configs) {
      config.positions.forEach((p, index) => {
        if (p.id !== undefined && (p.kind === 'lp' || p.kind === 'balance')) where.set(p.id, { file, index });
      });
    }

    const positions: ReloadResult['positions'] = { created: [], updated: [], unchanged: [], kept: [] };
    const creates: PositionSpec[] = [];
    const updates: PositionSpec[] = [];
    const declared = new Set<string>();
    // Example positions (no config declares any) have no id: seeded on first run only.
    for (const spec of desk.positions) {
      const id = spec.id;
      if (id === undefined) continue;
      declared.add(id);
      const at = where.get(id);
      const file = at?.file ?? null;
      const field = at ? `positions[${at.index}]` : `positions.${id}`;
      if (!ctx.hub.feed(spec.venue, spec.underlying)) {
        issue(
          file,
          `${field}.underlying`,
          `${spec.venue}/${spec.underlying} has no market feed in this service (feeds are set up at start-up: restart to add a market)`,
        );
        continue;
      }
      try {
        withPolicyOverrides(policy, spec.policy);
      } catch (error) {
        issue(file, `${field}.policy`, (error as Error).message);
        continue;
      }
      const current = storedById.get(id);
      if (!current) {
        if (created.has(id)) {
          issue(
            file,
            `${field}.id`,
            `position ${id} was deleted (DELETE /api/positions/${id}); a reload does not bring a deleted position back: remove it from the config`,
          );
          continue;
        }
        creates.push(spec);
        positions.created.push(id);
        continue;
      }
      const fields = diffValues(definitionOf(current), plain(spec)).map((d) => d.path);
      if (fields.length === 0) {
        positions.unchanged.push(id);
        continue;
      }
      const writer = lastWriter.get(id) ?? 'unknown';
      if (!CONFIG_ACTORS.has(writer)) {
        issue(
          file,
          field,
          `position ${id} was ${created.get(id) === writer ? 'created' : 'last changed'} through the API (by ${writer}); a reload does not overwrite it: put its current definition (GET /api/positions/${id}) in the config, or change it through PUT /api/positions/${id}`,
        );
        continue;
      }
      updates.push(spec);
      positions.updated.push({ id, fields, heldHedges: heldHedges(id) });
    }
    for (const p of stored) {
      if (declared.has(p.id)) continue;
      const byConfig = CONFIG_ACTORS.has(created.get(p.id) ?? '');
      if (byConfig) {
        const held = heldHedges(p.id);
        positions.kept.push({
          id: p.id,
          reason: `no config declares it any more; a reload never deletes a position${held ? ` (${held} hedges held for it)` : ''}: DELETE /api/positions/${p.id} to remove it`,
        });
      }
      // Every position of the book must take the new desk policy (its own policy overrides it).
      try {
        withPolicyOverrides(policy, p.policy);
      } catch (error) {
        issue(desk.configs[0]?.file ?? null, 'policy', `position ${p.id} cannot take it: ${(error as Error).message}`);
      }
    }
    if (issues.length > 0) throw refusal(issues);

    return {
      result: {
        applied: !dryRun,
        dryRun,
        actor,
        files: desk.configs.map((c) => c.file),
        changes,
        deskPolicy: { changed: policyFields.length > 0, fields: policyFields },
        fourEyes: fourEyes !== ctx.fourEyes ? { from: ctx.fourEyes, to: fourEyes } : null,
        positions,
        notApplied,
      },
      desk,
      policy,
      fourEyes,
      creates,
      updates,
    };
  }

  /** The positions and the audit row in one transaction, then the running book; nothing changes if the write fails. */
  private async apply(plan: Plan, actor: string): Promise<void> {
    const { ctx } = this;
    const { store } = ctx;
    const r = plan.result;
    await store.db.transaction('the config reload (its positions and audit row)', async (tx) => {
      for (const spec of plan.updates) await store.updatePositionIn(tx, spec.id!, spec, RELOAD_ACTOR);
      for (const spec of plan.creates) await store.createPositionIn(tx, spec, RELOAD_ACTOR, spec.id);
      await store.auditIn(tx, actor, 'config.reload', null, {
        files: r.files,
        changes: r.changes.map((c) => `${basename(c.file)}: ${c.path}`),
        deskPolicy: r.deskPolicy.fields,
        fourEyes: r.fourEyes,
        created: r.positions.created,
        updated: r.positions.updated.map((u) => u.id),
      });
      await store.db.publish(tx, { kind: 'config', id: null });
    });
    this.configs = plan.desk.configs;
    const changed = r.deskPolicy.changed || r.positions.created.length > 0 || r.positions.updated.length > 0;
    if (changed) ctx.desk.reconfigure(plan.policy);
    ctx.fourEyes = plan.fourEyes;
    if (changed) await ctx.refreshPositions();
  }
}

/**
 * Attaches a reloader of `source` to the running service (`POST /api/admin/reload-config` uses it) and, with
 * `signals`, reloads on SIGHUP (the outcome is logged; a refused reload keeps the old config and the service runs on).
 */
export function installConfigReload(
  handle: ServiceHandle,
  source: DeskSource,
  initial: LoadedDesk,
  signals = true,
): ConfigReloader {
  const reloader = new ConfigReloader(handle.context, source, initial);
  handle.context.configReload = reloader;
  if (signals) {
    const onHangup = () => {
      if (handle.store.isClosed) {
        process.off('SIGHUP', onHangup);
        return;
      }
      // Refused or failed: logged (and audited) by the reload; the old config stays.
      reloader.reload('system:sighup').catch(() => undefined);
    };
    process.on('SIGHUP', onHangup);
  }
  return reloader;
}
