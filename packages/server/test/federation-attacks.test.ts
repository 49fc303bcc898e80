/**
 * Forged server-to-server traffic against a real provider a, with b and c as real peers: every request that
 * cannot be trusted is refused with 401 and a stable code, and even the refusals are signed by a. Memory storage:
 * the checks sit in front of storage (federation-discovery.test.ts runs the happy path on every backend).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSigningKey, importPublicJwk, keyId, verifyResponse } from '@parley/federation';
import type { DiscoveryDocument } from '@parley/server';
import {
  type Backend,
  backends,
  DeviceClient,
  startTestNetwork,
  startTestProvider,
  type TestNetwork,
  type TestProvider,
} from '@parley/testing';
import fc from 'fast-check';
import { codeOf, type Forged, forge, NET_CONFIG, send } from './federationSupport.js';

const memory = backends.find((b) => b.name === 'memory') as Backend;
const QUERY = JSON.stringify({ user: 'mimi://a.localhost/u/alice' });

describe('federation: forged traffic is refused', () => {
  let net: TestNetwork;
  let c: TestProvider;
  let asB: () => Promise<Forged>;
  const a = () => net.byDomain['a.localhost']!;

  before(async () => {
    net = await startTestNetwork(2, memory, NET_CONFIG);
    // c is a real provider with valid keys that knows a, but a does not federate with it.
    c = await startTestProvider(memory, { ...NET_CONFIG, domain: 'c.localhost' });
    c.provider.ctx.federation.peers.set('a.localhost', a().url);
    await DeviceClient.register(a().url, 'alice');
    await a().provider.ctx.federation.peers.key('b.localhost', 'warm-up'); // a knows b's keys
    const bKeys = net.byDomain['b.localhost']!.provider.ctx.federation.keys;
    asB = async () => {
      const key = await bKeys.current();
      return {
        to: a().url,
        origin: 'b.localhost',
        body: QUERY,
        keyId: key.keyId,
        privateKey: key.privateKey,
      };
    };
  });
  after(async () => {
    await c?.close();
    await net?.close();
  });

  it('a correctly signed request from b is answered (the baseline the attacks below deviate from)', async () => {
    const sent = await send(forge(await asB()));
    assert.equal(sent.status, 200, sent.text);
    assert.equal(JSON.parse(sent.text).exists, true);
  });

  it('no signature: badSignature', async () => {
    const sent = await send(forge({ ...(await asB()), unsigned: true }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'badSignature']);
  });

  it('a forged signature (b’s key id, another private key): badSignature', async () => {
    const sent = await send(forge({ ...(await asB()), privateKey: generateSigningKey().privateKey }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'badSignature']);
  });

  it('a signature that does not cover parley-origin: badSignature', async () => {
    const sent = await send(
      forge({ ...(await asB()), components: ['@method', '@target-uri', 'content-digest'] }),
    );
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'badSignature']);
  });

  it('signed for another provider’s URL and sent to a: badSignature', async () => {
    const sent = await send(forge({ ...(await asB()), signedFor: c.url }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'badSignature']);
  });

  it('the body altered after signing: badDigest', async () => {
    const sent = await send(
      forge({ ...(await asB()), sentBody: JSON.stringify({ user: 'mimi://a.localhost/u/bob' }) }),
    );
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'badDigest']);
  });

  it('the same signed request twice: the second is replayed', async () => {
    const request = forge(await asB());
    assert.equal((await send(request)).status, 200);
    const again = await send(request);
    assert.deepEqual([again.status, codeOf(again)], [401, 'replayed']);
  });

  it('a `created` older than the window: expired; one far in the future: expired', async () => {
    const old = await send(forge({ ...(await asB()), created: Math.floor(Date.now() / 1000) - 120 }));
    assert.deepEqual([old.status, codeOf(old)], [401, 'expired']);
    const future = await send(forge({ ...(await asB()), created: Math.floor(Date.now() / 1000) + 600 }));
    assert.deepEqual([future.status, codeOf(future)], [401, 'expired']);
  });

  it('a key b never published (even after a refetch of b’s discovery): unknownKey', async () => {
    const fetches = a().provider.ctx.federation.peers.fetches;
    const { privateKey } = generateSigningKey();
    const sent = await send(forge({ ...(await asB()), privateKey, keyId: keyId(privateKey) }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'unknownKey']);
    assert.equal(a().provider.ctx.federation.peers.fetches, fetches + 1, 'refetched b’s keys once');
  });

  it('claiming to be b while signing with c’s valid key: unknownKey', async () => {
    const cKey = await c.provider.ctx.federation.keys.current();
    const sent = await send(forge({ ...(await asB()), keyId: cKey.keyId, privateKey: cKey.privateKey }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'unknownKey']);
  });

  it('a sender URI of another domain than the signer’s: foreignSender; of the signer’s: fine', async () => {
    const body = JSON.stringify({
      user: 'mimi://a.localhost/u/alice',
      requester: 'mimi://c.localhost/u/eve',
    });
    const sent = await send(forge({ ...(await asB()), body }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'foreignSender']);
    const own = JSON.stringify({ user: 'mimi://a.localhost/u/alice', requester: 'mimi://b.localhost/u/bob' });
    assert.equal((await send(forge({ ...(await asB()), body: own }))).status, 200);
  });

  it('a real provider not in a’s peer map, or no origin at all: unknownPeer, and the refusal is signed', async () => {
    const fromC = await c.provider.ctx.federation.client.post('a.localhost', 'identifierQuery', {
      user: 'mimi://a.localhost/u/alice',
    });
    // c verified a's signature on the refusal before believing it.
    assert.ok(fromC.ok, JSON.stringify(fromC));
    assert.equal(fromC.status, 401);
    assert.equal((fromC.body as { error: { code: string } }).error.code, 'unknownPeer');
    const cKey = await c.provider.ctx.federation.keys.current();
    const sent = await send(forge({ ...(await asB()), origin: 'c.localhost', ...cKey }));
    assert.deepEqual([sent.status, codeOf(sent)], [401, 'unknownPeer']);
    const { origin: _, ...noOrigin } = await asB();
    const none = await send(forge({ ...noOrigin, components: ['@method', '@target-uri', 'content-digest'] }));
    assert.deepEqual([none.status, codeOf(none)], [401, 'unknownPeer']);
    const self = await send(forge({ ...(await asB()), origin: 'a.localhost' }));
    assert.deepEqual([self.status, codeOf(self)], [401, 'unknownPeer']);
  });

  it('an oversized body: payloadTooLarge, before any signature work', async () => {
    const body = JSON.stringify({ user: 'mimi://a.localhost/u/alice', requester: 'x'.repeat(300 * 1024) });
    const sent = await send(forge({ ...(await asB()), body }));
    assert.deepEqual([sent.status, codeOf(sent)], [413, 'payloadTooLarge']);
  });

  it('a body that is not JSON, correctly signed: invalidRequest (only after the signature verified)', async () => {
    const signed = await send(forge({ ...(await asB()), body: '{not json' }));
    assert.deepEqual([signed.status, codeOf(signed)], [400, 'invalidRequest']);
    const unsigned = await send(forge({ ...(await asB()), body: '{not json', unsigned: true }));
    assert.deepEqual([unsigned.status, codeOf(unsigned)], [401, 'badSignature']);
  });

  it('a signed body that breaks the schema or holds U+0000: invalidRequest, naming the field', async () => {
    const mistyped = await send(forge({ ...(await asB()), body: JSON.stringify({ user: 5 }) }));
    assert.deepEqual([mistyped.status, codeOf(mistyped)], [400, 'invalidRequest']);
    assert.match(JSON.parse(mistyped.text).error.message, /^Invalid body: body\/user /);
    const nul = JSON.stringify({ user: 'mimi://a.localhost/u/al\u0000ice' });
    const refused = await send(forge({ ...(await asB()), body: nul }));
    assert.deepEqual([refused.status, codeOf(refused)], [400, 'invalidRequest']);
    // A backslash and "u0000" as text is no U+0000: answered like any unknown user.
    const text = JSON.stringify({ user: 'mimi://a.localhost/u/al\\u0000ice' });
    const answered = await send(forge({ ...(await asB()), body: text }));
    assert.deepEqual([answered.status, codeOf(answered)], [404, 'noSuchUser'], answered.text);
    // Transaction ids are names, not text: consent and reports hold them to the pattern the other batches use.
    const items = {
      updateConsent: {
        requester: 'mimi://b.localhost/u/bob',
        target: 'mimi://a.localhost/u/alice',
        state: 'granted',
      },
      reportAbuse: { room: 'r1', seq: 1, reporter: 'mimi://b.localhost/u/bob', reason: 'spam' },
    };
    for (const [path, item] of Object.entries(items)) {
      const body = JSON.stringify({ txn: 'a txn/with spaces', items: [item] });
      const sent = await send(forge({ ...(await asB()), path: `/federation/v1/${path}`, body }));
      assert.deepEqual([sent.status, codeOf(sent)], [400, 'invalidRequest'], `${path}: ${sent.text}`);
      assert.match(JSON.parse(sent.text).error.message, /body\/txn/);
    }
  });

  it('every refusal is signed by a and bound to the request it answers', async () => {
    const doc = (await (await fetch(`${a().url}/.well-known/parley`)).json()) as DiscoveryDocument;
    const key = importPublicJwk(doc.keys[0]!.jwk)!;
    const request = forge({ ...(await asB()), privateKey: generateSigningKey().privateKey });
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    const body = new Uint8Array(await response.arrayBuffer());
    const check = (url: string) =>
      verifyResponse({
        status: response.status,
        headers: response.headers,
        body,
        request: { method: 'POST', url, headers: request.headers },
        now: Date.now(),
        maxAgeSeconds: 60,
        resolveKey: async (id) => (id === doc.keys[0]!.keyid ? key : undefined),
      });
    assert.equal(response.status, 401);
    assert.equal((await check(request.url)).ok, true);
    assert.deepEqual(await check(`${a().url}/federation/v1/notify`), { ok: false, reason: 'badSignature' });
  });

  it('random unsigned or badly signed input never gets past the signature check, and never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json()),
        fc.record(
          {
            'parley-origin': fc.constantFrom('b.localhost', 'c.localhost', 'a.localhost', '', 'B.LOCALHOST'),
            'signature-input': fc.oneof(fc.string(), fc.constant('sig1=("@method");created=1;keyid="x"')),
            signature: fc.oneof(fc.string(), fc.constant('sig1=:AAAA:')),
            'content-digest': fc.string(),
          },
          { requiredKeys: [] },
        ),
        async (body, headers) => {
          const clean = Object.fromEntries(
            Object.entries(headers).filter(([, v]) => /^[\x20-\x7e]*$/.test(v as string)),
          ) as Record<string, string>;
          const sent = await send({
            url: `${a().url}/federation/v1/identifierQuery`,
            headers: { 'content-type': 'application/json', ...clean },
            body,
          });
          assert.ok([401, 413, 415].includes(sent.status), `${sent.status} ${sent.text}`);
          assert.ok(codeOf(sent));
        },
      ),
      { numRuns: 100 },
    );
  });
});
