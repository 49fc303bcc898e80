// A large MLS group for benchmarks, grown by batched Add commits outside any timed section. Only two members
// keep a state: the creator (leaf 0, who commits every batch) and one other member (leaf 1, who joins from
// the first Welcome and processes every later commit); the other leaves are passive, as they would be for a
// committer that never hears from them. That is all a benchmark needs to time one committer and one receiver.
import {
  addMembers,
  certifyDevice,
  createContext,
  createDeviceKey,
  createGroup,
  createIdentity,
  createKeyPackage,
  decodeState,
  encodeState,
  type GroupState,
  joinFromWelcome,
  type KeyPackageBundle,
  type MlsContext,
  members,
  processMessage,
  type Suite,
} from '@parley/crypto';

/** One member's view: its context and its current state. */
export interface Handle {
  ctx: MlsContext;
  state: GroupState;
}

export class BenchGroup {
  private readonly keys = new Map<string, Uint8Array>();
  readonly ctx: MlsContext;
  private users = 0;
  creator!: Handle;
  other: Handle | undefined;

  private constructor(readonly suite: Suite) {
    this.ctx = createContext({ suite, lookupIdentityKey: (uri) => this.keys.get(uri) });
  }

  static async create(suite: Suite): Promise<BenchGroup> {
    const group = new BenchGroup(suite);
    const device = await group.device();
    group.creator = { ctx: group.ctx, state: (await createGroup(group.ctx, device)).state };
    return group;
  }

  get size(): number {
    return members(this.creator.state).length;
  }

  /** A new user with one certified device, published in the directory. */
  private async device() {
    const uri = `mimi://bench.example/u/u${this.users++}`;
    const identity = await createIdentity(this.suite);
    this.keys.set(uri, identity.publicKey);
    const signatureKey = await createDeviceKey(this.suite);
    const credential = await certifyDevice(
      identity.privateKey,
      { userUri: uri, deviceId: 'd', signaturePublicKey: signatureKey.publicKey },
      this.suite,
    );
    return { credential, signatureKey };
  }

  /** A key package of a new user's device, not yet in the group. */
  async newcomer(): Promise<KeyPackageBundle> {
    return createKeyPackage(this.ctx, await this.device());
  }

  /** Adds members, `batch` key packages per commit, until the group has `size` members. */
  async growTo(size: number, batch: number): Promise<void> {
    while (this.size < size) {
      const bundles = await Promise.all(
        Array.from({ length: Math.min(batch, size - this.size) }, () => this.newcomer()),
      );
      const out = await addMembers(
        this.ctx,
        this.creator.state,
        bundles.map((b) => b.keyPackage),
      );
      this.creator.state = out.state;
      if (this.other !== undefined) {
        this.other.state = (await processMessage(this.ctx, this.other.state, out.commit)).state;
      } else if (out.welcome !== undefined) {
        const joined = await joinFromWelcome(this.ctx, { welcome: out.welcome, keyPackage: bundles[0]! });
        this.other = { ctx: this.ctx, state: joined.state };
      }
    }
  }

  /** An independent copy of a member's state, so that every repetition starts from the same epoch. */
  clone(handle: Handle): Handle {
    return { ctx: handle.ctx, state: decodeState(handle.ctx, encodeState(handle.state)) };
  }
}
