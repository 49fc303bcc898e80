/**
 * An encrypted room on the hub, with real MLS: alice creates the group, adds bob by commit, bob joins from the
 * Welcome only he receives, and the hub refuses a second commit for the same epoch, a commit it cannot tie to its
 * GroupInfo, and handshakes from outsiders — while application messages pass through unread.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addMembers,
  certifyDevice,
  createContext,
  createDeviceKey,
  createGroup,
  createIdentity,
  createKeyPackage,
  type Device,
  decryptApplication,
  encryptApplication,
  exportGroupInfo,
  type GroupState,
  joinFromWelcome,
  type MlsContext,
} from '@parley/crypto';
import { loadNodeSuite } from '@parley/crypto/node';
import { b64, backends, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

interface Person {
  client: DeviceClient;
  device: Device;
}

for (const backend of backends.filter((b) => b.name !== 'postgres' || !b.skip)) {
  describe(`an encrypted room on ${backend.name}`, () => {
    let net: TestProvider;
    let ctx: MlsContext;
    let alice: Person;
    let bob: Person;
    let mallory: Person;

    /** Registers, publishes an identity key, and certifies the device under its server id. */
    async function person(handle: string): Promise<Person> {
      const client = await DeviceClient.register(net.url, handle);
      const identity = await createIdentity(ctx.suite);
      const put = await client.call('PUT', '/v1/identity', { identityKey: b64(identity.publicKey) });
      assert.equal(put.status, 200);
      const signatureKey = await createDeviceKey(ctx.suite);
      const credential = await certifyDevice(
        identity.privateKey,
        {
          userUri: `mimi://a.localhost/u/${handle}`,
          deviceId: client.deviceId,
          signaturePublicKey: signatureKey.publicKey,
        },
        ctx.suite,
      );
      return { client, device: { credential, signatureKey } };
    }

    before(async () => {
      net = await startTestProvider(backend);
      const keys = new Map<string, Uint8Array>();
      ctx = createContext({
        suite: await loadNodeSuite(),
        lookupIdentityKey: async (uri) => {
          if (!keys.has(uri)) {
            const handle = uri.split('/u/')[1]!;
            const { body } = await alice.client.call('GET', `/v1/users/${handle}`);
            if (body.identityKey) keys.set(uri, bytes(body.identityKey));
          }
          return keys.get(uri);
        },
      });
      alice = await person('alice');
      bob = await person('bob');
      mallory = await person('mallory');
    });
    after(async () => net?.close());

    it('admits bob by commit, delivers his Welcome to him alone, and takes one commit per epoch', async () => {
      let aliceState: GroupState = (await createGroup(ctx, alice.device)).state;
      const created = await alice.client.call('POST', '/v1/rooms', {
        kind: 'group',
        members: [],
        groupInfo: b64(await exportGroupInfo(ctx, aliceState)),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.room.encrypted, true);
      const room: string = created.body.room.id;

      const bobPackage = await createKeyPackage(ctx, bob.device);
      assert.equal(
        (await bob.client.call('POST', '/v1/keypackages', { keyPackages: [b64(bobPackage.keyPackage)] }))
          .status,
        201,
      );
      const claimed = await alice.client.call('POST', '/v1/keypackages/claim', { user: 'bob' });
      const added = await addMembers(ctx, aliceState, [bytes(claimed.body.keyPackages[0].keyPackage)]);
      const before = aliceState;

      // The same epoch twice: a commit tied to another GroupInfo is refused, the honest one taken, a rival stale.
      const foreign = (await createGroup(ctx, alice.device)).state;
      const forged = await alice.client.call('POST', `/v1/rooms/${room}/commits`, {
        commit: b64(added.commit),
        groupInfo: b64(await exportGroupInfo(ctx, foreign)),
        welcome: b64(added.welcome!),
      });
      assert.equal(forged.status, 400);
      assert.equal(forged.body.error.code, 'badHandshake');
      const outsider = await mallory.client.call('POST', `/v1/rooms/${room}/commits`, {
        commit: b64(added.commit),
        groupInfo: b64(await exportGroupInfo(ctx, added.state)),
        welcome: b64(added.welcome!),
      });
      assert.equal(outsider.status, 404);
      const accepted = await alice.client.call('POST', `/v1/rooms/${room}/commits`, {
        commit: b64(added.commit),
        groupInfo: b64(await exportGroupInfo(ctx, added.state)),
        welcome: b64(added.welcome!),
      });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
      assert.equal(accepted.body.epoch, 1);
      aliceState = added.state;

      const rival = await addMembers(ctx, before, [(await createKeyPackage(ctx, mallory.device)).keyPackage]);
      const stale = await alice.client.call('POST', `/v1/rooms/${room}/commits`, {
        commit: b64(rival.commit),
        groupInfo: b64(await exportGroupInfo(ctx, rival.state)),
        welcome: b64(rival.welcome!),
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'staleEpoch');

      const view = await alice.client.call('GET', `/v1/rooms/${room}`);
      assert.deepEqual(view.body.room.members.map((m: { user: string }) => m.user).sort(), [
        'alice@a.localhost',
        'bob@a.localhost',
      ]);
      assert.equal(
        (await alice.client.call('POST', `/v1/rooms/${room}/members`, { members: ['mallory'] })).status,
        403,
      );

      // bob's device gets the Welcome; alice's gets only the commit.
      const bobSync = await bob.client.sync();
      assert.deepEqual(
        bobSync.messages.map((m) => m.kind),
        ['welcome'],
      );
      const aliceSync = await alice.client.sync();
      assert.deepEqual(
        aliceSync.messages.map((m) => m.kind),
        ['commit'],
      );
      let bobState = (
        await joinFromWelcome(ctx, { welcome: bytes(bobSync.messages[0]!.payload), keyPackage: bobPackage })
      ).state;

      // Application messages pass the hub unread and decrypt on bob's side.
      const sealed = await encryptApplication(ctx, aliceState, new TextEncoder().encode('hello bob'));
      aliceState = sealed.state;
      const sent = await alice.client.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64(sealed.message),
      });
      assert.equal(sent.status, 201);
      const next = await bob.client.sync({ [room]: bobSync.messages[0]!.seq });
      assert.deepEqual(
        next.messages.map((m) => m.kind),
        ['application'],
      );
      const opened = await decryptApplication(ctx, bobState, bytes(next.messages[0]!.payload));
      bobState = opened.state;
      assert.equal(new TextDecoder().decode(opened.plaintext), 'hello bob');
    });

    it('refuses a GroupInfo for a new room that is not this device alone at epoch 0', async () => {
      const state = (await createGroup(ctx, bob.device)).state;
      const wrong = await alice.client.call('POST', '/v1/rooms', {
        kind: 'group',
        members: [],
        groupInfo: b64(await exportGroupInfo(ctx, state)),
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.code, 'badHandshake');
      const garbage = await alice.client.call('POST', '/v1/rooms', {
        kind: 'group',
        members: [],
        groupInfo: b64('nope'),
      });
      assert.equal(garbage.status, 400);
    });
  });
}
