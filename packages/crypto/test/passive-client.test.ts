// RFC 9420 passive-client conformance (mlswg/mls-implementations vectors), run through our adapter: join from
// the Welcome, then apply every epoch's proposals and commit with `processMessage`, and check each epoch
// authenticator. The vectors' credentials are not Parley device credentials, so this one context accepts any
// credential; everything else is the production code path. Cases of other cipher suites are skipped, counted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { vectorsDir } from '@parley/testing';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import {
  type ExternalPsk,
  epochAuthenticator,
  type GroupState,
  joinFromWelcome,
  loadSuite,
  type MlsContext,
  processMessage,
  type Suite,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';

interface PassiveCase {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function conformanceContext(suite: Suite): MlsContext {
  const acceptAny = { validateCredential: async () => true };
  return { suite, config: { ...defaultClientConfig, authService: acceptAny }, isSuccessor: () => true };
}

async function replay(ctx: MlsContext, c: PassiveCase): Promise<number> {
  const psks: ExternalPsk[] = c.external_psks.map((p) => ({ id: hex(p.psk_id), secret: hex(p.psk) }));
  const joined = await joinFromWelcome(ctx, {
    welcome: hex(c.welcome),
    keyPackage: {
      keyPackage: hex(c.key_package),
      ref: new Uint8Array(),
      privateKeys: {
        initPrivateKey: hex(c.init_priv),
        hpkePrivateKey: hex(c.encryption_priv),
        signaturePrivateKey: hex(c.signature_priv),
      },
      lastResort: true,
    },
    ...(c.ratchet_tree === null ? {} : { ratchetTree: hex(c.ratchet_tree) }),
    psks,
  });
  let state: GroupState = joined.state;
  assert.equal(
    toHex(epochAuthenticator(state)),
    c.initial_epoch_authenticator,
    'initial epoch authenticator',
  );
  for (const [n, epoch] of c.epochs.entries()) {
    for (const proposal of epoch.proposals) {
      const got = await processMessage(ctx, state, hex(proposal), { psks });
      assert.equal(got.kind, 'proposal', `epoch ${n}: a proposal`);
      state = got.state;
    }
    const got = await processMessage(ctx, state, hex(epoch.commit), { psks });
    assert.equal(got.kind, 'commit', `epoch ${n}: a commit`);
    state = got.state;
    assert.equal(toHex(epochAuthenticator(state)), epoch.epoch_authenticator, `epoch ${n} authenticator`);
  }
  return c.epochs.length;
}

// Every file runs on the node:crypto provider and the two short ones on the default (browser) provider too;
// the 200-epoch random history takes 15-25 s there, so it joins that run only with PARLEY_MLS_ALL=1.
const RANDOM = 'passive-client-random.json';
const files = ['passive-client-welcome.json', 'passive-client-handling-commit.json', RANDOM];
const runs = files.flatMap((file) =>
  (['node', 'default'] as const)
    .filter((p) => p === 'node' || file !== RANDOM || process.env.PARLEY_MLS_ALL === '1')
    .map((provider) => ({ file, provider })),
);

for (const { file, provider } of runs) {
  test(`${file} through the adapter (${provider} provider)`, async () => {
    const ctx = conformanceContext(provider === 'node' ? await loadNodeSuite() : await loadSuite());
    const cases = JSON.parse(readFileSync(vectorsDir('mls', file), 'utf8')) as PassiveCase[];
    const started = performance.now();
    let passed = 0;
    let skipped = 0;
    let epochs = 0;
    const failed: string[] = [];
    for (const [i, c] of cases.entries()) {
      if (c.cipher_suite !== 1) {
        skipped++;
        continue;
      }
      try {
        epochs += await replay(ctx, c);
        passed++;
      } catch (e) {
        failed.push(`case ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const ms = Math.round(performance.now() - started);
    console.log(
      `${file}: suite-1 cases run ${passed + failed.length}, passed ${passed}, failed ${failed.length}; ` +
        `skipped ${skipped} (other cipher suites); ${epochs} epochs; ${ms} ms (${provider} provider)`,
    );
    assert.ok(passed + failed.length > 0, `${file}: no cipher suite 1 case ran`);
    assert.deepEqual(failed, [], `${file}: failing cases`);
  });
}
