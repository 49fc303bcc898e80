export * from './vectors.js';
