// Provider comparison, run by hand: node --import tsx packages/crypto/test/bench.ts
// Same operations on ts-mls's default provider (WebCrypto + @hpke/core) and on our node:crypto provider.
// Reports wall time and process CPU time (the machine may be shared; CPU time is the steadier figure).
import { readFileSync } from 'node:fs';
import { vectorsDir } from '@parley/testing';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import {
  decryptApplication,
  encryptApplication,
  joinFromWelcome,
  loadSuite,
  type MlsContext,
  processMessage,
  type Suite,
  selfUpdate,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';
import {
  contextFor,
  createDevice,
  createUser,
  Directory,
  type Member,
  startGroup,
  utf8,
} from './fixtures.ts';

async function measure(label: string, ops: number, run: () => Promise<void>): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const rate = (ms: number) => String(Math.round((ops * 1000) / ms)).padStart(6);
  console.log(
    ops === 1
      ? `${label.padEnd(46)} ${Math.round(wall)} ms wall, ${Math.round(cpuMs)} ms cpu`
      : `${label.padEnd(46)} ${rate(wall)} ops/s wall ${rate(cpuMs)} ops/s cpu (${ops} ops)`,
  );
}

async function group(suite: Suite, size: number): Promise<Member[]> {
  const directory = new Directory();
  const ctx = contextFor(directory, suite);
  const users = await Promise.all(
    Array.from({ length: size }, (_, i) => createUser(directory, `mimi://x.example/u/u${i}`, suite)),
  );
  const devices = await Promise.all(users.map((u) => createDevice(u, 'd', suite)));
  return startGroup(
    { ctx, device: devices[0]! },
    devices.slice(1).map((device) => ({ ctx, device })),
  );
}

async function messages(name: string, suite: Suite, n: number): Promise<void> {
  const [a, b] = (await group(suite, 2)) as [Member, Member];
  const payload = utf8('x'.repeat(200));
  await measure(`${name}: encrypt + decrypt application message`, n, async () => {
    for (let i = 0; i < n; i++) {
      const sent = await encryptApplication(a.ctx, a.state, payload);
      a.state = sent.state;
      b.state = (await decryptApplication(b.ctx, b.state, sent.message)).state;
    }
  });
}

async function commits(name: string, suite: Suite, n: number): Promise<void> {
  const members = await group(suite, 8);
  await measure(`${name}: self-update commit, 8 members process`, n, async () => {
    for (let i = 0; i < n; i++) {
      const committer = members[i % members.length]!;
      const out = await selfUpdate(committer.ctx, committer.state);
      committer.state = out.state;
      for (const m of members)
        if (m !== committer) m.state = (await processMessage(m.ctx, m.state, out.commit)).state;
    }
  });
}

async function passiveRandom(name: string, suite: Suite): Promise<void> {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  const [c] = JSON.parse(readFileSync(vectorsDir('mls', 'passive-client-random.json'), 'utf8'));
  const ctx: MlsContext = {
    suite,
    config: { ...defaultClientConfig, authService: { validateCredential: async () => true } },
    isSuccessor: () => true,
  };
  await measure(`${name}: passive-client-random (200 epochs)`, 1, async () => {
    const keyPackage = {
      keyPackage: hex(c.key_package),
      ref: new Uint8Array(),
      privateKeys: {
        initPrivateKey: hex(c.init_priv),
        hpkePrivateKey: hex(c.encryption_priv),
        signaturePrivateKey: hex(c.signature_priv),
      },
      lastResort: true,
    };
    let { state } = await joinFromWelcome(ctx, { welcome: hex(c.welcome), keyPackage });
    for (const epoch of c.epochs as { proposals: string[]; commit: string }[]) {
      for (const p of epoch.proposals) state = (await processMessage(ctx, state, hex(p))).state;
      state = (await processMessage(ctx, state, hex(epoch.commit))).state;
    }
  });
}

const suites: [string, Suite][] = [
  ['default', await loadSuite()],
  ['node   ', await loadNodeSuite()],
];
for (const [name, suite] of suites) await messages(name, suite, 50); // warm-up
for (const [name, suite] of suites) await messages(name, suite, 1000);
for (const [name, suite] of suites) await commits(name, suite, 40);
for (const [name, suite] of suites) await passiveRandom(name, suite);
