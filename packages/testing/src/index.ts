export * from './backends.js';
export * from './storageSuite.js';
export * from './vectors.js';
