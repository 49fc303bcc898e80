// The lifecycle of one device: sign in (register, log in, resume), go online, catch up, close. ParleyClient
// (client.ts) adds the rooms, messages and consent on top.
import { loadSuite, type Suite } from '@parley/crypto';
import { SdkError } from '../errors.js';
import type { AccountRecord, Store } from '../store/types.js';
import { ProviderApi } from '../transport/api.js';
import type { Fetch } from '../transport/http.js';
import type { WebSocketFactory } from '../transport/stream.js';
import { Emitter } from '../util/emitter.js';
import {
  encodeIdentityKey,
  type LoginInput,
  loginAccount,
  registerAccount,
  type SignInInput,
} from './account.js';
import { Acks } from './acks.js';
import { reconcileOwnDevices } from './devices.js';
import type { ClientEvent } from './events.js';
import { topUpKeyPackages } from './keyPackages.js';
import { uriOf } from './names.js';
import { followUps, goOnline } from './online.js';
import { catchUpRoom, syncAll } from './receive.js';
import { openSession, type Session, type Tuning } from './session.js';

export interface ClientOptions {
  store: Store;
  /** The WebSocket class: the browser's by default; on Node pass the `ws` package (see `@parley/sdk/node`). */
  WebSocket?: WebSocketFactory;
  /** MLS cipher suite 1; by default ts-mls's WebCrypto one (`@parley/sdk/node` passes the node:crypto one). */
  suite?: Suite;
  fetch?: Fetch;
  tuning?: Partial<Tuning>;
  /** How often to look for this user's new devices to add to rooms (ms); 0 for never. Default one minute. */
  deviceCheckIntervalMs?: number;
  /**
   * How long `close()` waits for work under way (ms) before it lets go of it; default 10 s. Network calls give
   * up by themselves (30 s), but a store that never answers would otherwise hold `close()` for ever.
   */
  closeWaitMs?: number;
}

/** Whether `work` settled within `ms` (its timer cleared either way). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A device's account and connection, without the room and message methods (see ParleyClient). */
export class DeviceLifecycle {
  private readonly events = new Emitter<ClientEvent>();
  private current: Session | undefined;
  private acks: Acks | undefined;
  private stop: (() => void) | undefined;

  constructor(protected readonly options: ClientOptions) {}

  /**
   * Subscribes to one event type (or `'*'` for all); returns the unsubscribe function.
   *
   * @example
   * const off = client.on('message', (m) => console.log(`${m.sender}: ${m.text}`));
   */
  readonly on: Emitter<ClientEvent>['on'] = (type, listener) => this.events.on(type, listener);

  protected get session(): Session {
    if (!this.current) throw new SdkError('notSignedIn', 'register, log in or resume first');
    return this.current;
  }

  private suite(): Promise<Suite> {
    return this.options.suite ? Promise.resolve(this.options.suite) : loadSuite();
  }

  /** This device's user, e.g. `alice@a.example`. */
  get user(): string {
    return this.session.me.address;
  }

  get deviceId(): string {
    return this.session.me.deviceId;
  }

  /**
   * Creates an account and this, its first device: the identity key is made and published, this device's key
   * certified, and the account written to the store. Call `start()` next.
   *
   * @example
   * await client.register({ server: 'http://127.0.0.1:7101', handle: 'alice', password: 'correct horse' });
   */
  async register(input: SignInInput): Promise<void> {
    await this.adopt(await registerAccount(input, await this.suite(), this.options.fetch));
  }

  /**
   * Signs in a new device of an existing account; `identityKey` comes from `exportIdentityKey()` on a device that
   * has it (`identityKeyRequired` otherwise). Call `start()` next: the device then joins the user's rooms.
   *
   * @example
   * await laptop.login({ server, handle: 'alice', password, identityKey: phone.exportIdentityKey() });
   */
  async login(input: LoginInput): Promise<void> {
    await this.adopt(await loginAccount(input, await this.suite(), this.options.fetch));
  }

  /**
   * Opens the account kept in the store (after a restart); false when the store has none.
   *
   * @example
   * if (!(await client.resume())) await client.register({ server, handle, password });
   */
  async resume(): Promise<boolean> {
    const account = await this.options.store.account();
    if (!account) return false;
    await this.open(account);
    return true;
  }

  private async adopt(account: AccountRecord): Promise<void> {
    await this.options.store.write({
      account,
      // The user's own key is pinned from the start: no provider answer can replace it.
      identityKeys: [{ userUri: uriOf(account.user), key: account.identity.publicKey }],
    });
    await this.open(account);
  }

  private async open(account: AccountRecord): Promise<void> {
    const api = new ProviderApi({
      server: account.server,
      token: () => account.token,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    const s = await openSession({
      api,
      store: this.options.store,
      suite: await this.suite(),
      account,
      events: this.events,
      ...(this.options.tuning ? { tuning: this.options.tuning } : {}),
    });
    const acks = new Acks(s);
    s.ack = (room, seq) => acks.add(room, seq);
    s.catchUp = (room) => catchUpRoom(s, room);
    s.followUp = followUps(s);
    this.current = s;
    this.acks = acks;
  }

  /**
   * Goes online (see `goOnline`): KeyPackages topped up, missed messages processed, this user's rooms joined and
   * devices reconciled, then the stream opened. Events flow from here on.
   *
   * @example
   * await client.resume() || (await client.register({ server, handle, password }));
   * await client.start();
   */
  async start(): Promise<void> {
    this.stop = await goOnline(this.session, this.options);
  }

  /**
   * Catches up on every room over HTTP, for clients without a stream (or to be sure before reading history).
   *
   * @example
   * await client.sync();
   */
  sync(): Promise<void> {
    return syncAll(this.session);
  }

  /**
   * Resolves once the work started so far (processing, follow-up commits, acknowledgements) has finished.
   *
   * @example
   * await client.idle(); // before reading the store in a script
   */
  async idle(): Promise<void> {
    const s = this.session;
    for (let round = 0; round < 5; round++) {
      await s.locks.idle();
      await s.settled();
    }
    await this.acks?.flush();
  }

  /**
   * Stops the stream and timers and waits for work under way, at most `closeWaitMs`: work still running then
   * is left to finish or fail by itself, and an `error` event (`closed`) says so. The store stays open (its
   * owner closes it).
   *
   * @example
   * await client.close(); await store.close();
   */
  async close(): Promise<void> {
    const s = this.current;
    if (!s) return;
    this.stop?.();
    const waited = this.options.closeWaitMs ?? 10_000;
    const finished = await settlesWithin(this.idle(), waited);
    s.closed = true;
    this.current = undefined;
    if (!finished) {
      this.events.emit({
        type: 'error',
        error: new SdkError('closed', `closed with work still under way after ${waited} ms`),
      });
    }
  }

  /**
   * The user's identity key, to sign in another device with `login({ …, identityKey })`. It certifies every
   * device of the user: keep it secret (show it as a QR code, never send it through the provider).
   *
   * @example
   * const secret = phone.exportIdentityKey();
   */
  exportIdentityKey(): string {
    return encodeIdentityKey(this.session.account.identity);
  }

  /**
   * Makes sure enough KeyPackages of this device are on offer (`start()` does this too); returns how many were
   * uploaded.
   *
   * @example
   * await client.topUpKeyPackages();
   */
  topUpKeyPackages(): Promise<number> {
    return topUpKeyPackages(this.session);
  }

  /**
   * Adds this user's devices missing from rooms and removes signed-out ones, where this device is the user's
   * lowest leaf (see devices.ts); returns the rooms changed. Runs on start, on reconnection and every minute.
   *
   * @example
   * const changed = await phone.checkDevices();
   */
  checkDevices(): Promise<string[]> {
    return reconcileOwnDevices(this.session);
  }
}
