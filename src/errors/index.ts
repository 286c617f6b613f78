// Re-exports of the error layer.
export * from './exit-codes.js';
export * from './fleet-error.js';
export * from './diagnostic.js';
export * from './config-error.js';
export * from './usage-error.js';
export * from './state-error.js';
