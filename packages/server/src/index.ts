export {
  ConfigError,
  DEFAULT_CONFIG,
  type ProviderConfig,
  type ProviderConfigInput,
  resolveConfig,
} from './config.js';
export { ApiError } from './errors.js';
export {
  type DiscoveryDocument,
  ENDPOINTS,
  type EndpointName,
  type Federation,
  FederationClient,
  type FederationResult,
  PeerDirectory,
  SigningKeys,
} from './federation/index.js';
export { createProvider, type Provider, type ProviderOptions } from './provider.js';
export * from './storage/index.js';
