// Whom a user adds to a room is no stranger to them: a later room from that user is no request. When the room's
// hub is another provider, the user's own provider relays the commit, and must record that too, as a hub does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, type RoomsNet, roomsNetwork, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  r = await roomsNetwork();
});
after(() => r?.close());

describe('a commit relayed to the hub', () => {
  it('makes whom it adds a contact of its sender on the sender’s provider', async () => {
    const b = storageOf(r.net, 'b.localhost').federation;
    assert.equal(await b.consent('bob', 'mallory@c.localhost'), undefined, 'strangers so far');
    // The group is hubbed on a; bob is on b.
    await r.bob.client.addMembers(r.group, ['mallory@c.localhost']);
    await eventually('a has mallory in the group', async () =>
      ((await storageOf(r.net, 'a.localhost').rooms.getRoom(r.group))?.members ?? []).some(
        (m) => m.handle === 'mallory@c.localhost',
      ),
    );
    assert.equal(await b.consent('bob', 'mallory@c.localhost'), 'accepted');
    // Nobody else's consent changes: alice, on the hub, did not add mallory.
    assert.equal(
      await storageOf(r.net, 'a.localhost').federation.consent('alice', 'mallory@c.localhost'),
      undefined,
    );
  });
});
