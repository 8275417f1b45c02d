import type { BenchSuite } from '../harness.js';
import { adaptersLiveSuite } from './adaptersLive.js';
import { adaptersSuite } from './adapters.js';
import { executionSuite } from './execution.js';
import { hedgingSuite } from './hedging.js';
import { labSuite } from './lab.js';
import { liveFeedSuite } from './liveFeed.js';
import { lpSuite } from './lp.js';
import { multiVenueSuite } from './multiVenue.js';
import { pricingSuite } from './pricing.js';
import { serviceSuite } from './service.js';
import { storeSuite } from './store.js';
import { surfaceSuite } from './surface.js';
import { twoInstancesSuite } from './twoInstances.js';

/**
 * Every benchmark suite, in the order `npm run bench` runs them. Add one import and one entry per suite. The pure
 * compute suites go first, on a fresh process: the later ones start worker threads, sockets and a service whose heap
 * and background threads would otherwise be measured along with the option maths.
 */
export const suites: BenchSuite[] = [
  pricingSuite,
  lpSuite,
  surfaceSuite,
  adaptersSuite,
  adaptersLiveSuite,
  hedgingSuite,
  multiVenueSuite,
  labSuite,
  serviceSuite,
  twoInstancesSuite,
  storeSuite,
  liveFeedSuite,
  executionSuite,
];
