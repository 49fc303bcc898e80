/**
 * A network of real providers in one test: `a.localhost`, `b.localhost`, … each in-process on a random loopback
 * port over its own storage, each with all the others in its peer map. Two phases, since ports are known only
 * after listening: start all, then tell each one the others' addresses.
 */
import type { ProviderConfigInput } from '@parley/server';
import { type Backend, backends } from './backends.js';
import { startTestProvider, type TestProvider } from './provider.js';

export interface TestNetwork {
  /** In start order: a.localhost first. */
  providers: TestProvider[];
  /** By domain. */
  byDomain: Record<string, TestProvider>;
  close(): Promise<void>;
}

/** Test settings that make federation quick to observe: short retry delays, and a short wait on submits. */
export const FEDERATION_TEST_CONFIG = {
  federation: { retryBaseMs: 50, retryCapMs: 1_000 },
} as const;

export const networkDomain = (index: number) => `${String.fromCharCode(97 + index)}.localhost`;

export async function startTestNetwork(
  n: number,
  backend: Backend,
  config: ProviderConfigInput | ((domain: string) => ProviderConfigInput) = {},
): Promise<TestNetwork> {
  if (n < 1 || n > 26) throw new RangeError('1 to 26 providers');
  const providers: TestProvider[] = [];
  const byDomain: Record<string, TestProvider> = {};
  const close = async () => {
    await Promise.all(providers.map((p) => p.close()));
  };
  try {
    for (let i = 0; i < n; i++) {
      const domain = networkDomain(i);
      const own = typeof config === 'function' ? config(domain) : config;
      const started = await startTestProvider(backend, { ...own, domain });
      providers.push(started);
      byDomain[domain] = started;
    }
  } catch (error) {
    await close();
    throw error;
  }
  for (const p of providers) {
    for (const [domain, other] of Object.entries(byDomain)) {
      if (other !== p) p.provider.ctx.federation.peers.set(domain, other.url);
    }
  }
  return { providers, byDomain, close };
}

export interface TestNetworkOptions {
  /** How many providers: a.localhost, b.localhost, … */
  providers: number;
  /** Storage backend (default: SQLite in memory). */
  backend?: Backend;
  /** Settings for every provider, or per domain; merged over the quick-federation test settings. */
  config?: ProviderConfigInput | ((domain: string) => ProviderConfigInput);
}

/**
 * `TestNetwork.create({ providers: 3 })`: real providers on random loopback ports with real databases, each
 * knowing the others through the static peer map.
 *
 * @example
 * const net = await TestNetwork.create({ providers: 3 });
 * const alice = await DeviceClient.register(net.url('a.localhost'), 'alice');
 */
export const TestNetwork = {
  async create(options: TestNetworkOptions) {
    const backend = options.backend ?? backends.find((b) => b.name === 'memory')!;
    const config = options.config;
    const merged = (domain: string): ProviderConfigInput => {
      const own = (typeof config === 'function' ? config(domain) : config) ?? {};
      return {
        ...own,
        federation: { ...FEDERATION_TEST_CONFIG.federation, ...(own.federation ?? {}) },
      } as ProviderConfigInput;
    };
    const net = await startTestNetwork(options.providers, backend, merged);
    return {
      ...net,
      /** The base URL of the provider of `domain`. */
      url: (domain: string) => {
        const p = net.byDomain[domain];
        if (!p) throw new Error(`no provider ${domain} in this network`);
        return p.url;
      },
    };
  },
};
