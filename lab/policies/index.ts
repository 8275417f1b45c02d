/** lab/policies: one constructor per policy kind. */
import type { PolicySpec } from '../types.js';
import { optionsPolicy } from './options.js';
import { perpBand, perpTime, unhedged } from './perp.js';
import { stripPolicy } from './strip.js';
import type { PolicyContext, PolicyRunner } from './types.js';

export type { PolicyContext, PolicyRunner } from './types.js';

export function makePolicy(spec: PolicySpec, ctx: PolicyContext): PolicyRunner {
  switch (spec.kind) {
    case 'unhedged':
      return unhedged();
    case 'perp-time':
      return perpTime(ctx, spec.intervalHours);
    case 'perp-band':
      return perpBand(ctx, spec.k);
    case 'options':
      return optionsPolicy(ctx, spec);
    case 'strip':
      return stripPolicy(ctx, spec.horizonDays, spec.roundToLots);
  }
}
