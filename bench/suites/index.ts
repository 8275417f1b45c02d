import type { BenchSuite } from '../harness.js';

/** Every benchmark suite, in the order `npm run bench` runs them. Add one import and one entry per suite. */
export const suites: BenchSuite[] = [];
