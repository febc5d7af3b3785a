export * from './auth.js';
export * from './errors.js';
export * from './files.js';
export * from './jobs.js';
export * from './resources.js';
export * from './search.js';
export * from './status.js';
