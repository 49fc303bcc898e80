// Test fixtures: users with identity keys in an in-memory directory, certified devices, groups, and the small
// verbs scenarios are written in ("alice says ... to bob and carol").
import assert from 'node:assert/strict';
import {
  addMembers,
  CryptoError,
  type CryptoErrorCode,
  certifyDevice,
  createContext,
  createDeviceKey,
  createGroup,
  createIdentity,
  createKeyPackage,
  type Device,
  decryptApplication,
  encryptApplication,
  epochAuthenticator,
  type GroupState,
  joinFromWelcome,
  type MlsContext,
  members,
  ownLeafIndex,
  processMessage,
  type Received,
  type SigningKeyPair,
  type Suite,
} from '../src/index.ts';

export const ALICE = 'mimi://a.example/u/alice';
export const BOB = 'mimi://b.example/u/bob';
export const CAROL = 'mimi://c.example/u/carol';
export const DAVE = 'mimi://d.example/u/dave';
export const MALLORY = 'mimi://m.example/u/mallory';

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A directory of user identity keys, as the providers would publish them. */
export class Directory {
  private readonly keys = new Map<string, Uint8Array>();
  publish(userUri: string, key: Uint8Array): void {
    this.keys.set(userUri, key);
  }
  readonly lookup = (userUri: string) => this.keys.get(userUri);
}

export interface User {
  uri: string;
  identity: SigningKeyPair;
}

export async function createUser(directory: Directory, uri: string, suite: Suite): Promise<User> {
  const identity = await createIdentity(suite);
  directory.publish(uri, identity.publicKey);
  return { uri, identity };
}

/** A device of `user`, certified with `user.identity` (a test forges one by passing another identity). */
export async function createDevice(user: User, deviceId: string, suite: Suite): Promise<Device> {
  const signatureKey = await createDeviceKey(suite);
  const credential = await certifyDevice(
    user.identity.privateKey,
    { userUri: user.uri, deviceId, signaturePublicKey: signatureKey.publicKey },
    suite,
  );
  return { credential, signatureKey };
}

export function contextFor(directory: Directory, suite: Suite): MlsContext {
  return createContext({ suite, lookupIdentityKey: directory.lookup });
}

/** Five users in one directory, sharing one context. */
export async function world(suite: Suite) {
  const directory = new Directory();
  const ctx = contextFor(directory, suite);
  const [alice, bob, carol, dave, mallory] = await Promise.all(
    [ALICE, BOB, CAROL, DAVE, MALLORY].map((uri) => createUser(directory, uri, suite)),
  );
  const device = (user: User, id = 'phone') => createDevice(user, id, suite);
  return {
    directory,
    ctx,
    suite,
    alice: alice!,
    bob: bob!,
    carol: carol!,
    dave: dave!,
    mallory: mallory!,
    device,
  };
}

/** A context whose authentication service accepts anything: how a malicious member's client behaves. */
export function malicious(ctx: MlsContext): MlsContext {
  return { ...ctx, config: { ...ctx.config, authService: { validateCredential: async () => true } } };
}

/** A member's handle in a scenario: its context and its current state. */
export interface Member {
  ctx: MlsContext;
  state: GroupState;
}

/** `creator` makes a group and adds `joiners` in one commit; every joiner joins from the Welcome. */
export async function startGroup(
  creator: { ctx: MlsContext; device: Device },
  joiners: { ctx: MlsContext; device: Device }[],
): Promise<Member[]> {
  const first: Member = { ctx: creator.ctx, state: (await createGroup(creator.ctx, creator.device)).state };
  if (joiners.length === 0) return [first];
  const bundles = await Promise.all(joiners.map((j) => createKeyPackage(j.ctx, j.device)));
  const added = await addMembers(
    first.ctx,
    first.state,
    bundles.map((b) => b.keyPackage),
  );
  first.state = added.state;
  const welcome = added.welcome;
  if (welcome === undefined) throw new Error('no welcome');
  const rest = await Promise.all(
    joiners.map(async (j, i) => ({
      ctx: j.ctx,
      state: (await joinFromWelcome(j.ctx, { welcome, keyPackage: bundles[i]! })).state,
    })),
  );
  return [first, ...rest];
}

/** Delivers a handshake message to each member (in order) and returns what each saw. */
export async function deliver(message: Uint8Array, to: Member[]): Promise<Received[]> {
  const seen: Received[] = [];
  for (const m of to) {
    const got = await processMessage(m.ctx, m.state, message);
    m.state = got.state;
    seen.push(got);
  }
  return seen;
}

/** `from` sends `words`; every one of `to` decrypts them and sees `from` as the sender. */
export async function say(from: Member, words: string, to: Member[]): Promise<Uint8Array> {
  const sent = await encryptApplication(from.ctx, from.state, utf8(words));
  from.state = sent.state;
  const me = members(from.state).find((m) => m.leafIndex === ownLeafIndex(from.state));
  for (const reader of to) {
    const got = await decryptApplication(reader.ctx, reader.state, sent.message);
    reader.state = got.state;
    assert.equal(text(got.plaintext), words);
    assert.deepEqual([got.sender.userUri, got.sender.deviceId], [me?.userUri, me?.deviceId]);
  }
  return sent.message;
}

/** Asserts that the members are in the same epoch with the same secrets (equal epoch authenticators). */
export function sameEpoch(...group: Member[]): void {
  const [first, ...rest] = group.map((m) => Buffer.from(epochAuthenticator(m.state)).toString('hex'));
  for (const other of rest) assert.equal(other, first, 'members disagree on the epoch');
}

export async function rejectsWith(promise: Promise<unknown>, code: CryptoErrorCode): Promise<void> {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof CryptoError, `expected a CryptoError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}
