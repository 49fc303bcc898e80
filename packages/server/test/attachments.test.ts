// Encrypted attachments: uploaded as ciphertext to the sender's provider, fetched by a user of another provider
// through their own provider (proxyDownload), refused when too large, unknown ids answered 404.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeviceClient, TestNetwork } from '@parley/testing';

describe('attachments across providers', () => {
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  let alice: DeviceClient;
  let bob: DeviceClient;
  before(async () => {
    net = await TestNetwork.create({ providers: 2, config: { attachments: { maxBytes: 64 * 1024 } } });
    alice = await DeviceClient.register(net.url('a.localhost'), 'alice');
    bob = await DeviceClient.register(net.url('b.localhost'), 'bob');
  });
  after(() => net?.close());

  const upload = (client: DeviceClient, body: Uint8Array) =>
    fetch(`${client.base}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/octet-stream' },
      body: new Blob([body]),
    });
  const download = (client: DeviceClient, domain: string, id: string) =>
    fetch(`${client.base}/v1/attachments/${domain}/${id}`, {
      headers: { authorization: `Bearer ${client.token}` },
    });

  it('stores the ciphertext and serves it to a user of another provider through theirs', async () => {
    const ciphertext = randomBytes(40_000);
    const uploaded = await upload(alice, ciphertext);
    assert.equal(uploaded.status, 201);
    const { id, domain, url, size } = (await uploaded.json()) as Record<string, string | number>;
    assert.equal(domain, 'a.localhost');
    assert.equal(url, `mimi://a.localhost/attachment/${id}`);
    assert.equal(size, ciphertext.length);
    const own = await download(alice, 'a.localhost', String(id));
    assert.deepEqual(Buffer.from(await own.arrayBuffer()), ciphertext);
    const proxied = await download(bob, 'a.localhost', String(id));
    assert.equal(proxied.status, 200);
    assert.deepEqual(Buffer.from(await proxied.arrayBuffer()), ciphertext);
  });

  it('refuses an attachment over the limit with 413, and unknown ones with 404', async () => {
    const big = await upload(alice, randomBytes(64 * 1024 + 1));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'payloadTooLarge');
    assert.equal((await download(bob, 'a.localhost', 'a'.repeat(26))).status, 404);
    assert.equal((await download(bob, 'b.localhost', 'a'.repeat(26))).status, 404);
    assert.equal((await download(bob, 'nowhere.localhost', 'a'.repeat(26))).status, 404);
    assert.equal((await fetch(`${bob.base}/v1/attachments/a.localhost/${'a'.repeat(26)}`)).status, 401);
  });
});
