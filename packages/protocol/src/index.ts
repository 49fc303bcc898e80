export * from './content/index.js';
export * from './errors.js';
export * from './handle.js';
export * from './ids.js';
export * from './wire/client.js';
export * from './wire/stream.js';
