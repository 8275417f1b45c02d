/** adapters/ public surface. */
export * from './model.js';
export * from './errors.js';
export * from './recording.js';
export * from './client.js';
