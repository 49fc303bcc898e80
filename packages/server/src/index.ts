export {
  ConfigError,
  DEFAULT_CONFIG,
  type ProviderConfig,
  type ProviderConfigInput,
  resolveConfig,
} from './config.js';
export { ApiError } from './errors.js';
export { createProvider, type Provider, type ProviderOptions } from './provider.js';
export * from './storage/index.js';
