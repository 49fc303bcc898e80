export * from './backends.js';
export * from './client.js';
export * from './network.js';
export * from './provider.js';
export * from './storageSuite.js';
export * from './vectors.js';
export * from './waiting.js';
