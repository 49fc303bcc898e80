// A user's new device joins the user's rooms: by itself (external commit, tested in group.test.ts) or, as here,
// added by the user's device with the lowest leaf in each room, from a KeyPackage, with a Welcome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParleyClient } from '../src/client/client.js';
import { SdkError } from '../src/errors.js';
import { nodeEnvironment } from '../src/node/index.js';
import { MemoryStore } from '../src/store/memory.js';
import { ProviderApi } from '../src/transport/api.js';
import { errors, eventually, network, PASSWORD, sees } from './support.js';

test("alice's phone adds her new laptop to her rooms; the laptop reads from its Welcome on", async (t) => {
  const net = await network(t);
  const phoneStore = new MemoryStore();
  const alice = await net.register('alice', { store: phoneStore });
  const bob = await net.register('bob');
  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob'] });
  await sees(bob, 'joined');
  await alice.client.send(room.id, 'before the laptop');

  // The laptop signs in and offers KeyPackages, but does not start (so it does not join by itself).
  const laptop = new ParleyClient({
    store: new MemoryStore(),
    ...(await nodeEnvironment()),
    deviceCheckIntervalMs: 0,
  });
  try {
    await laptop.login({
      server: net.url,
      handle: 'alice',
      password: PASSWORD,
      identityKey: alice.client.exportIdentityKey(),
    });
    assert.ok((await laptop.topUpKeyPackages()) > 0);
    // bob is not the one to add alice's devices; alice's phone is.
    assert.deepEqual(await bob.client.checkDevices(), []);
    assert.deepEqual(await alice.client.checkDevices(), [room.id]);
    assert.deepEqual(await alice.client.checkDevices(), [], 'nothing left to add');

    const joined: string[] = [];
    laptop.on('joined', (e) => joined.push(e.room));
    const texts: string[] = [];
    laptop.on('message', (e) => texts.push(e.text));
    await laptop.start();
    assert.deepEqual(joined, [room.id]);
    const hi = await bob.client.send(room.id, 'hello, laptop');
    await sees(alice, 'message', (e) => e.id === hi.id);
    await eventually('the laptop reads bob', () => texts.length > 0);
    assert.deepEqual(texts, ['hello, laptop']);
    assert.deepEqual(await laptop.members(room.id), ['alice@a.localhost', 'bob@a.localhost']);
    const fromLaptop = await laptop.send(room.id, 'typed on the laptop');
    await sees(bob, 'message', (e) => e.id === fromLaptop.id && e.sender === 'alice@a.localhost');

    // alice signs the laptop out from her phone; the phone takes its leaf out of the room.
    const phoneApi = new ProviderApi({ server: net.url, token: () => token });
    const token = (await phoneStore.account())?.token;
    await phoneApi.http.request('DELETE', `/v1/devices/${laptop.deviceId}`);
    assert.deepEqual(await alice.client.checkDevices(), [room.id]);
    await eventually('bob no longer sees the laptop', async () =>
      (await bob.client.devices(room.id)).every((d) => d.deviceId !== laptop.deviceId),
    );
    assert.deepEqual(await bob.client.members(room.id), ['alice@a.localhost', 'bob@a.localhost']);
    assert.deepEqual(errors(alice), []);
    assert.deepEqual(errors(bob), []);
  } finally {
    await laptop.close();
  }
});

test('a new device without the identity key is refused and leaves no device behind', async (t) => {
  const net = await network(t);
  const store = new MemoryStore();
  await net.register('alice', { store });
  const stranger = new ParleyClient({ store: new MemoryStore(), ...(await nodeEnvironment()) });
  await assert.rejects(
    stranger.login({ server: net.url, handle: 'alice', password: PASSWORD }),
    (e) => e instanceof SdkError && e.code === 'identityKeyRequired',
  );
  const api = new ProviderApi({ server: net.url, token: () => token });
  const token = (await store.account())?.token;
  assert.equal((await api.user('alice@a.localhost')).devices.length, 1);
});
