// alice and bob in a 1:1 room: messages, a reply, a reaction, an edit, a delete, a receipt and typing, each seen
// by the other, and both ending with the same history.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdkError } from '../src/errors.js';
import { errors, network, sees, view } from './support.js';

test('alice and bob exchange 1:1 messages, reply, react, edit, delete', async (t) => {
  const net = await network(t);
  const alice = await net.register('alice');
  const bob = await net.register('bob');

  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob@a.localhost'] });
  assert.deepEqual(room.members, ['alice@a.localhost', 'bob@a.localhost']);
  const joined = await sees(bob, 'joined', (e) => e.room === room.id);
  assert.deepEqual(joined.members, ['alice@a.localhost', 'bob@a.localhost']);
  assert.equal(joined.kind, 'direct');

  // alice says hi; bob sees it from alice.
  const hi = await alice.client.send(room.id, 'hi **bob**');
  const got = await sees(bob, 'message', (e) => e.id === hi.id);
  assert.equal(got.sender, 'alice@a.localhost');
  assert.equal(got.text, 'hi **bob**');
  assert.equal(got.seq, hi.seq);

  // bob replies; alice sees the reply pointing at her message.
  const reply = await bob.client.reply(hi.id, 'hello alice');
  assert.equal((await sees(alice, 'message', (e) => e.id === reply.id)).replyTo, hi.id);

  // alice reacts to the reply; bob edits it; alice deletes her first message.
  const like = await alice.client.react(reply.id, '👍');
  assert.equal((await sees(bob, 'reaction', (e) => e.id === like.id)).target, reply.id);
  await bob.client.edit(reply.id, 'hello, alice!');
  assert.equal((await sees(alice, 'edit', (e) => e.target === reply.id)).text, 'hello, alice!');
  await alice.client.delete(hi.id);
  await sees(bob, 'delete', (e) => e.target === hi.id);

  // Only the sender may edit: bob cannot rewrite alice's words.
  await assert.rejects(
    bob.client.edit(hi.id, 'forged'),
    (e) => e instanceof SdkError && e.code === 'notYours',
  );

  // A read receipt and a typing notice reach the other side and are not stored.
  await bob.client.markRead(room.id, [like.id]);
  const receipt = await sees(alice, 'receipt');
  assert.deepEqual(
    [receipt.status, receipt.messages, receipt.sender],
    ['read', [like.id], 'bob@a.localhost'],
  );
  await alice.client.setTyping(room.id, true);
  assert.equal((await sees(bob, 'typing')).typing, true);

  const expected = [
    { sender: 'alice@a.localhost', text: '', deleted: true, edited: false, reactions: [] as string[] },
    {
      sender: 'bob@a.localhost',
      text: 'hello, alice!',
      deleted: false,
      edited: true,
      reactions: ['alice@a.localhost 👍'],
    },
  ];
  const aliceHistory = view(await alice.client.history(room.id));
  assert.deepEqual(
    aliceHistory.map(({ sender, text, deleted, edited, reactions }) => ({
      sender,
      text,
      deleted,
      edited,
      reactions,
    })),
    expected,
  );
  assert.equal(aliceHistory[1]?.replyTo, hi.id);
  assert.deepEqual(view(await bob.client.history(room.id)), aliceHistory);
  assert.deepEqual(errors(alice), []);
  assert.deepEqual(errors(bob), []);
});
