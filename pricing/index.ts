/** pricing/: pure functions, numbers in and numbers out. No I/O, no clock, no venue. */
export * from './errors.js';
