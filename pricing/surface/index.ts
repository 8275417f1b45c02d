/** The vol surface: raw SVI slices (Gatheral), quasi-explicit fit (Zeliade), arbitrage checks, interpolation. */
export * from './errors.js';
export * from './svi.js';
export * from './fit.js';
export * from './surface.js';
export * from './scenarios.js';
