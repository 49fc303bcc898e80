// A set of Parley providers as `parley serve` processes that all federate with each other (a full static peer
// map over loopback), SQLite in temporary folders: the fan-out part's a, b and c. Stopping is bounded (SIGTERM,
// SIGKILL after 15 s) and removes the folders, also after a failed start.
import { join } from 'node:path';
import type { ProviderConfigInput } from '@parley/server';
import { freePort, type ProcessProvider, processStorage, spawnProvider } from '@parley/testing';
import { within } from './parleyDevices.ts';

export interface RunningProvider {
  domain: string;
  url: string;
  process: ProcessProvider;
}

interface Slot {
  domain: string;
  storage: ReturnType<typeof processStorage>;
  process?: ProcessProvider;
}

export class ProviderSet {
  private readonly slots: Slot[] = [];

  private constructor() {}

  /**
   * Starts one provider per domain, each with every other one as a peer. `config` is written to each provider's
   * config file (the shipped defaults otherwise); `profileDir` has each write a V8 CPU profile when it stops.
   */
  static async start(
    domains: string[],
    options: { config?: ProviderConfigInput; profileDir?: string | undefined } = {},
  ): Promise<{ set: ProviderSet; providers: RunningProvider[] }> {
    const set = new ProviderSet();
    try {
      const ports = await Promise.all(domains.map(() => freePort()));
      const bases = domains.map((_, i) => `http://127.0.0.1:${ports[i]}`);
      for (const domain of domains) set.slots.push({ domain, storage: processStorage('sqlite') });
      // Settled, not all: a start that fails must not leave another one running unseen.
      const started = await Promise.allSettled(
        set.slots.map(async (slot, i) => {
          const peers = Object.fromEntries(
            domains.flatMap((d, j) => (j === i ? [] : [[d, bases[j]!] as const])),
          );
          const profile = options.profileDir
            ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, slot.domain)}`]
            : [];
          slot.process = await spawnProvider({
            domain: slot.domain,
            port: ports[i]!,
            peers,
            nodeArgs: profile,
            ...(options.config ? { config: options.config } : {}),
            ...slot.storage,
          });
          return { domain: slot.domain, url: slot.process.url, process: slot.process };
        }),
      );
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const providers = started.map((s) => (s as PromiseFulfilledResult<RunningProvider>).value);
      return { set, providers };
    } catch (error) {
      await set.stop();
      throw error;
    }
  }

  /** Stops every provider in parallel (a hub stopped first would leave its peers' outboxes retrying, and back). */
  async stop(): Promise<void> {
    const stopped = await Promise.allSettled(this.slots.map(stopOne));
    this.slots.length = 0;
    for (const s of stopped) if (s.status === 'rejected') console.error('providers: stop:', s.reason);
  }
}

async function stopOne(slot: Slot): Promise<void> {
  const child = slot.process?.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if (!(await within(slot.process!.exited, 15_000))) {
      child.kill('SIGKILL');
      await slot.process!.exited;
    }
  }
  await slot.storage.remove();
}
