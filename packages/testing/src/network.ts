/**
 * A network of real providers in one test: `a.localhost`, `b.localhost`, … each in-process on a random loopback
 * port over its own storage, each with all the others in its peer map. Two phases, since ports are known only
 * after listening: start all, then tell each one the others' addresses.
 */
import type { ProviderConfigInput } from '@parley/server';
import type { Backend } from './backends.js';
import { startTestProvider, type TestProvider } from './provider.js';

export interface TestNetwork {
  /** In start order: a.localhost first. */
  providers: TestProvider[];
  /** By domain. */
  byDomain: Record<string, TestProvider>;
  close(): Promise<void>;
}

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
