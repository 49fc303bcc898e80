/**
 * Discovery and signed server-to-server requests between two real providers on loopback: b reads a's discovery
 * document, asks a signed identifierQuery and believes only a's signed answer; a's key rotates while b has the
 * old document cached, and b refetches on the unknown key id. Against every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keyId as thumbprint } from '@parley/federation';
import type { DiscoveryDocument } from '@parley/server';
import { ENDPOINTS, PeerDirectory } from '@parley/server';
import { backends, DeviceClient, startTestNetwork, type TestNetwork } from '@parley/testing';
import { NET_CONFIG } from './federationSupport.js';

for (const backend of backends) {
  describe(`federation discovery and identifierQuery on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestNetwork;
    let alice: DeviceClient;
    let bob: DeviceClient;

    before(async () => {
      net = await startTestNetwork(2, backend, NET_CONFIG);
      alice = await DeviceClient.register(net.byDomain['a.localhost']!.url, 'alice');
      await DeviceClient.login(net.byDomain['a.localhost']!.url, 'alice', undefined, 'laptop');
      await alice.call('PUT', '/v1/identity', { identityKey: Buffer.alloc(32, 9).toString('base64') });
      bob = await DeviceClient.register(net.byDomain['b.localhost']!.url, 'bob');
    });
    after(async () => net?.close());

    const a = () => net.byDomain['a.localhost']!;
    const b = () => net.byDomain['b.localhost']!;

    it('serves a discovery document with absolute endpoint URLs and its Ed25519 key', async () => {
      const response = await fetch(`${a().url}/.well-known/parley`);
      assert.equal(response.status, 200);
      const doc = (await response.json()) as DiscoveryDocument;
      assert.equal(doc.domain, 'a.localhost');
      assert.deepEqual(doc.protocol, ['parley/1']);
      for (const name of ENDPOINTS) {
        assert.equal(doc.endpoints[name], `${a().url}/federation/v1/${name}`);
      }
      assert.equal(Object.keys(doc.endpoints).length, ENDPOINTS.length);
      assert.ok(ENDPOINTS.length >= 9);
      assert.equal(doc.keys.length, 1);
      const key = doc.keys[0]!;
      assert.deepEqual(Object.keys(key.jwk).sort(), ['crv', 'kty', 'x'], 'public half only');
      assert.equal(key.keyid, thumbprint(key.jwk));
      assert.equal(key.keyid, (await a().provider.ctx.federation.keys.current()).keyId);
      assert.ok(key.notBefore <= Date.now() / 1000 && key.notAfter > Date.now() / 1000 + 86_400);
    });

    it('b asks a about alice with a signed identifierQuery and verifies the signed answer', async () => {
      const before = b().provider.ctx.federation.peers.fetches;
      const answer = await b().provider.ctx.federation.client.post('a.localhost', 'identifierQuery', {
        user: 'mimi://a.localhost/u/alice',
        requester: 'mimi://b.localhost/u/bob',
      });
      assert.ok(answer.ok, JSON.stringify(answer));
      assert.equal(answer.status, 200);
      const body = answer.body as { devices: string[] };
      assert.deepEqual(answer.body, {
        user: 'mimi://a.localhost/u/alice',
        exists: true,
        identityKey: Buffer.alloc(32, 9).toString('base64'),
        devices: body.devices,
      });
      assert.equal(body.devices.length, 2);
      assert.ok(body.devices.includes(alice.deviceId));
      // Both sides fetched the other's discovery once (a to verify b's request, b to verify a's answer) …
      assert.equal(b().provider.ctx.federation.peers.fetches, before + 1);
      // … and a second question uses the cache.
      const again = await b().provider.ctx.federation.client.post('a.localhost', 'identifierQuery', {
        user: 'mimi://a.localhost/u/nobody',
      });
      assert.ok(again.ok);
      assert.equal(again.status, 404);
      assert.equal((again.body as { error: { code: string } }).error.code, 'noSuchUser');
      assert.equal(b().provider.ctx.federation.peers.fetches, before + 1);
    });

    it('the other way round: a asks b about bob; a user of a third domain is not b’s to answer', async () => {
      const client = a().provider.ctx.federation.client;
      const answer = await client.post('b.localhost', 'identifierQuery', {
        user: bob.user.replace(/^(.*)@(.*)$/, 'mimi://$2/u/$1'),
      });
      assert.ok(answer.ok && answer.status === 200, JSON.stringify(answer));
      assert.deepEqual((answer.body as { devices: string[] }).devices, [bob.deviceId]);
      const foreign = await client.post('b.localhost', 'identifierQuery', {
        user: 'mimi://a.localhost/u/alice',
      });
      assert.ok(foreign.ok && foreign.status === 404);
    });

    it('key rotation: b, with a’s old document cached, refetches on the unknown key id and succeeds', async () => {
      const oldKey = (await a().provider.ctx.federation.keys.current()).keyId;
      const newKey = (await a().provider.ctx.federation.keys.rotate(0)).keyId;
      assert.notEqual(newKey, oldKey);
      const fetchesB = b().provider.ctx.federation.peers.fetches;
      const answer = await b().provider.ctx.federation.client.post('a.localhost', 'identifierQuery', {
        user: 'mimi://a.localhost/u/alice',
      });
      assert.ok(answer.ok && answer.status === 200, JSON.stringify(answer));
      assert.equal(b().provider.ctx.federation.peers.fetches, fetchesB + 1, 'one refetch');
      // a's requests to b are signed with the new key too, and b takes them.
      const fetchesBefore = b().provider.ctx.federation.peers.fetches;
      const toB = await a().provider.ctx.federation.client.post('b.localhost', 'identifierQuery', {
        user: 'mimi://b.localhost/u/bob',
      });
      assert.ok(toB.ok && toB.status === 200, JSON.stringify(toB));
      assert.equal(b().provider.ctx.federation.peers.fetches, fetchesBefore, 'already refetched');
      const doc = (await (await fetch(`${a().url}/.well-known/parley`)).json()) as DiscoveryDocument;
      assert.deepEqual(
        doc.keys.map((k: { keyid: string }) => k.keyid),
        [newKey],
        'the retired key is no longer published',
      );
    });
  });
}

describe('PeerDirectory', () => {
  let net: TestNetwork;
  before(async () => {
    net = await startTestNetwork(1, backends[0]!);
  });
  after(async () => net?.close());

  it('refetches on an unknown key id at most once per cooldown, and knows only its peer map', async () => {
    let clock = Date.now();
    const peers = new PeerDirectory(
      { 'a.localhost': net.providers[0]!.url },
      { ttlMs: 3_600_000, refetchCooldownMs: 10_000, fetchTimeoutMs: 2_000, now: () => clock },
    );
    const real = (await net.providers[0]!.provider.ctx.federation.keys.current()).keyId;
    assert.equal((await peers.key('a.localhost', real)).ok, true);
    assert.equal(peers.fetches, 1);
    assert.deepEqual(await peers.key('a.localhost', 'forged'), { ok: false, reason: 'unknownKey' });
    assert.deepEqual(await peers.key('a.localhost', 'forged'), { ok: false, reason: 'unknownKey' });
    assert.equal(peers.fetches, 1, 'within the cooldown: no refetch');
    clock += 10_000;
    await peers.key('a.localhost', 'forged');
    assert.equal(peers.fetches, 2, 'after the cooldown: one refetch');
    clock += 3_600_000;
    assert.equal((await peers.key('a.localhost', real)).ok, true);
    assert.equal(peers.fetches, 3, 'after the TTL: refetched');
    assert.deepEqual(await peers.key('elsewhere.example', real), { ok: false, reason: 'unknownPeer' });
    assert.equal(peers.fetches, 3, 'no look-up of a domain outside the peer map');
  });

  it('gives up on a silent peer within the fetch timeout', async () => {
    const net2 = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const server = net2.createServer((socket) => sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const peers = new PeerDirectory(
      { 'slow.localhost': `http://127.0.0.1:${port}` },
      { ttlMs: 1000, refetchCooldownMs: 0, fetchTimeoutMs: 300, now: Date.now },
    );
    const started = Date.now();
    assert.deepEqual(await peers.key('slow.localhost', 'x'), { ok: false, reason: 'unreachable' });
    assert.ok(Date.now() - started < 2_000);
    for (const socket of sockets) socket.destroy();
    server.close();
  });
});
