import type { BenchSuite } from '../harness.js';
import { adaptersLiveSuite } from './adaptersLive.js';
import { adaptersSuite } from './adapters.js';
import { hedgingSuite } from './hedging.js';
import { lpSuite } from './lp.js';
import { pricingSuite } from './pricing.js';
import { serviceSuite } from './service.js';

/** Every benchmark suite, in the order `npm run bench` runs them. Add one import and one entry per suite. */
export const suites: BenchSuite[] = [
  adaptersSuite,
  adaptersLiveSuite,
  hedgingSuite,
  pricingSuite,
  lpSuite,
  serviceSuite,
];
