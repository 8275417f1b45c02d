/** The hedge engines by mode: a new mode is a new engine file and one entry here. */
import { dynamicEngine } from './dynamic.js';
import { staticEngine } from './static.js';
import type { HedgeEngine, HedgeMode } from './types.js';

export const HEDGE_ENGINES: Readonly<Record<HedgeMode, HedgeEngine>> = { dynamic: dynamicEngine, static: staticEngine };

export type { HedgeArguments, HedgeEngine, HedgeMode, HedgeOutcome } from './types.js';
