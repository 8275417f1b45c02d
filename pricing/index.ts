/** pricing/: pure functions, numbers in and numbers out. No I/O, no clock, no venue. */
export * from './errors.js';
export * from './time.js';
export { erf, erfc, erfcx, inverseNormCdf, normCdf, normPdf } from './normal.js';
export * from './black.js';
export * from './impliedVol.js';
export * from './inverse.js';
export * from './lp/index.js';
export * from './replication.js';
export * from './surface/index.js';
