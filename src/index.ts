// The curated public barrel. Filled in as modules land.
export * from './errors.js';
