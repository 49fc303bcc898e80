// What may leave a provider before the disk has flushed a commit, seen from outside with the flushes held. Two
// real providers on SQLite files (a, the hub of alice's direct room with bob; b, the follower), each WAL flusher
// behind a gate the test closes and opens.
// - The hub hands a group commit to its outbox before the flush, but nothing leaves before it: not the answer to
//   alice's device, not the transaction to b (b stores nothing, bob sees nothing, while a's flush is held).
// - The follower pushes a notify to bob's device before its own flush, and answers the hub only after it: a's
//   outbox still owes the message while b's flush is held, and is settled once it is let through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Flusher } from '@parley/storage-sqlite';
import { bounded, sqliteFiles, TestNetwork } from '@parley/testing';
import { type Device, eventually, register, saw } from './forge.js';

/** A flusher whose flushes wait while the gate is closed. */
class Gate implements Flusher {
  private closed = false;
  private readonly waiting: (() => void)[] = [];
  held = 0;

  constructor(private readonly inner: Flusher) {}

  async flush(): Promise<void> {
    if (this.closed) {
      this.held += 1;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.inner.flush();
  }

  hold(): void {
    this.closed = true;
    this.held = 0;
  }

  release(): void {
    this.closed = false;
    for (const go of this.waiting.splice(0)) go();
  }

  close(): Promise<void> {
    this.release();
    return this.inner.close();
  }
}

/** SQLite files whose flushers are gates, in the order the providers open them (a, then b). */
const gatedSqlite = (gates: Gate[]) =>
  sqliteFiles({
    prefix: 'parley-flush-',
    flusher: (wal) => {
      const gate = new Gate(wal);
      gates.push(gate);
      return gate;
    },
  });

const settled = (work: Promise<unknown>) => {
  let done = false;
  work.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return () => done;
};

describe('what leaves before the disk has flushed', () => {
  const gates: Gate[] = [];
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  let alice: Device;
  let bob: Device;
  let room: string;
  const devices: Device[] = [];

  before(async () => {
    net = await TestNetwork.create({ providers: 2, backend: gatedSqlite(gates) });
    await bounded('set-up', 60_000, async (step) => {
      step('register');
      alice = await register(net.url('a.localhost'), 'alice');
      bob = await register(net.url('b.localhost'), 'bob');
      devices.push(alice, bob);
      step('the direct room and bob’s consent');
      room = (await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] })).id;
      await alice.client.send(room, 'hello bob');
      await eventually('bob has a request', async () => (await bob.client.requests()).length > 0);
      await bob.client.accept('alice@a.localhost');
      await saw(bob, 'hello bob');
    });
    assert.equal(gates.length, 2);
  });

  after(() =>
    bounded('shutdown', 60_000, async () => {
      for (const gate of gates) gate.release();
      await Promise.all(devices.map((d) => d.client.close()));
      await net.close();
    }),
  );

  const [hubGate, followerGate] = [() => gates[0]!, () => gates[1]!];
  const owedToB = () => net.byDomain['a.localhost']!.provider.ctx.storage.federation.due('b.localhost', 10);
  const lastSeqAtB = async () =>
    (await net.byDomain['b.localhost']!.provider.ctx.storage.rooms.getRoom(room))?.room.lastSeq ?? 0;

  it('the hub answers and forwards a message only once its commit is on the disk', async () => {
    const seqAtB = await lastSeqAtB();
    hubGate().hold();
    const sent = alice.client.send(room, 'while a flushes');
    const isSent = settled(sent);
    await eventually('a has committed the message and waits for its flush', () => hubGate().held > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(isSent(), false, 'alice’s device is not answered before the flush');
    assert.equal(await lastSeqAtB(), seqAtB, 'b was sent nothing');
    assert.ok(!bob.events.some((e) => e.type === 'message' && e.text === 'while a flushes'));
    hubGate().release();
    await sent;
    await saw(bob, 'while a flushes');
  });

  it('the follower shows its devices a notify before its flush, and answers the hub after it', async () => {
    followerGate().hold();
    await alice.client.send(room, 'while b flushes');
    await saw(bob, 'while b flushes');
    assert.ok(followerGate().held > 0, 'b’s flush is still held');
    assert.ok((await owedToB()).length > 0, 'a still owes the message: b has not answered');
    followerGate().release();
    await eventually('a’s outbox to b is settled', async () => (await owedToB()).length === 0);
  });
});
