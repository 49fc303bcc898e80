// A device's message to a room hubbed on another provider is relayed by the device's own provider. Sent again
// with the same clientId (its answer was lost, say), it is stored once, and the answer says so, with the first
// one's place, as when the room is hubbed on the device's own provider.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeviceClient } from '@parley/testing';
import { AAAA, type RoomsNet, roomsNetwork, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  r = await roomsNetwork();
});
after(() => r?.close());

describe('a submit relayed to the hub', () => {
  it('sent twice with one clientId is stored once and answered as a duplicate the second time', async () => {
    // The direct room is hubbed on a; bob is on b.
    const bob = await DeviceClient.login(r.net.url('b.localhost'), 'bob');
    const body = { payload: AAAA, clientId: 'relayed-once' };
    const first = await bob.call('POST', `/v1/rooms/${r.direct}/messages`, body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.duplicate, false);
    const again = await bob.call('POST', `/v1/rooms/${r.direct}/messages`, body);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, { ...first.body, duplicate: true });
    const read = await storageOf(r.net, 'a.localhost').rooms.read(r.direct, 'alice', 0, 1000);
    assert.ok(read.ok);
    assert.equal(read.messages.filter((m) => m.device === bob.deviceId).length, 1, 'stored once at the hub');
  });
});
