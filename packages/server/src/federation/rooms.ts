/**
 * Rooms across providers, from this provider's side. As a follower it stores what a hub notifies (in the hub's
 * order, fetching any gap first), forwards its devices' submissions to the hub through the outbox, and relays
 * their handshakes at once. As anyone's peer it looks up users, KeyPackages and GroupInfo elsewhere.
 */
import { formatAddress, parseAddress, userUri } from '@parley/protocol';
import type { ProviderConfig } from '../config.js';
import type { HandshakeSubmission } from '../delivery/handshakes.js';
import type { Hub } from '../delivery/hub.js';
import type { StreamRegistry } from '../delivery/streams.js';
import { ApiError } from '../errors.js';
import type { Storage, StoredMessage } from '../storage/types.js';
import type { FederationClient, FederationResult } from './client.js';
import type { ItemResult, Outbox } from './outbox.js';
import { base64, fromBase64, memberKey, messageFromWire, type WireMessage } from './wire.js';

export interface RemoteUser {
  user: string;
  identityKey: Uint8Array | null;
  devices: string[];
}

const unavailable = (domain: string) =>
  new ApiError('peerUnavailable', `${domain} does not answer now; try again later.`, { 'retry-after': '5' });

/** A peer's refusal, passed on to our device with its code when it is one of ours. */
function relayed(domain: string, result: FederationResult<unknown>): never {
  if (!result.ok) {
    if (result.reason === 'unknownPeer')
      throw new ApiError('noSuchUser', `${domain} is not a provider this one reaches.`);
    throw unavailable(domain);
  }
  const error = (result.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const known = [
    'staleEpoch',
    'badHandshake',
    'noSuchRoom',
    'notMember',
    'noSuchUser',
    'forbidden',
    'tooManyRequests',
  ];
  if (error?.code && known.includes(error.code)) {
    throw new ApiError(error.code as 'badHandshake', error.message ?? `${domain} refused.`);
  }
  if (result.status >= 500 || result.status === 429) throw unavailable(domain);
  throw new ApiError('badGateway', `${domain} refused the request (${result.status}).`);
}

export class FederatedRooms {
  private readonly identities = new Map<string, { at: number; fresh?: number; user: RemoteUser }>();

  constructor(
    private readonly config: ProviderConfig,
    private readonly storage: Storage,
    private readonly client: FederationClient,
    private readonly outbox: Outbox,
    private readonly hub: Hub,
    private readonly streams: StreamRegistry,
    private readonly now: () => number,
  ) {}

  private get domain() {
    return this.config.domain;
  }

  /**
   * Applies a hub's messages in order; a gap is fetched from the hub first. Per item: applied or why not. With
   * `txn`, a transaction applied whole in one go is remembered with it (`remembered`); one that needed the slow
   * path is not.
   */
  async receive(
    origin: string,
    items: WireMessage[],
    txn?: { id: string; at: number },
  ): Promise<{ results: ItemResult[]; remembered: boolean }> {
    const results: ItemResult[] = new Array(items.length);
    const readable: { index: number; message: StoredMessage }[] = [];
    items.forEach((item, index) => {
      const message = messageFromWire(this.domain, item);
      if (message) readable.push({ index, message });
      else results[index] = { ok: false, code: 'invalidRequest', message: 'A user URI cannot be read.' };
    });
    // The whole notify in one transaction; only a room with a gap takes the slow path (fetch, then one by one).
    const whole = readable.length === items.length ? txn : undefined;
    // Answered once committed, before the disk has flushed it (`flushLater`): this provider's devices are told
    // at once, the hub only after the flush (below). That is safe here and only here: the hub keeps every
    // message of the notify until our answer, so if this machine crashes before the flush, the hub sends the
    // same messages under the same sequence numbers again and a device that was shown one skips it as seen.
    // A hub may not do this, since its commit is where a sequence number is given (hub.ts waits).
    const applied = await this.storage.federation.receiveMany(
      origin,
      readable.map((r) => r.message),
      whole,
      { flushLater: true },
    );
    const remembered = whole !== undefined && applied.every((r) => r.ok);
    let told = 0;
    const tell = (upTo: number) => {
      for (; told < upTo; told++) {
        const result = applied[told]!;
        if (!result.ok) continue;
        if (result.stored) this.hub.announce(result.stored, new Set(result.audience));
        if (readable[told]!.message.state) this.streams.wake(result.audience);
      }
    };
    for (const [i, { index, message }] of readable.entries()) {
      const result = applied[i]!;
      if (result.ok) {
        results[index] = { ok: true, seq: message.seq };
      } else if (result.reason === 'notHub') {
        results[index] = { ok: false, code: 'forbidden', message: `${origin} is not the hub of this room.` };
      } else {
        tell(i); // in order: what came before this one is told before it
        results[index] = await this.receiveOne(origin, message);
      }
    }
    tell(readable.length);
    // Whatever the answer says applied is on the disk, whichever way it was stored.
    await this.storage.flushed();
    return { results, remembered };
  }

  private async receiveOne(origin: string, message: StoredMessage, depth = 0): Promise<ItemResult> {
    const result = await this.storage.federation.receive(origin, message);
    if (result.ok) {
      if (result.stored) this.hub.announce(result.stored, new Set(result.audience));
      if (message.state) this.streams.wake(result.audience);
      return { ok: true, seq: message.seq };
    }
    if (result.reason === 'notHub') {
      return { ok: false, code: 'forbidden', message: `${origin} is not the hub of this room.` };
    }
    if (depth > 0) return { ok: false, code: 'gap', message: 'The hub did not fill the gap.' };
    const filled = await this.fillGap(origin, message.room, result.lastSeq, message.seq);
    if (!filled) return { ok: false, code: 'gap', message: `Messages after ${result.lastSeq} are missing.` };
    return this.receiveOne(origin, message, depth + 1);
  }

  /**
   * Fetches the hub's messages between `after` and `before` and applies them in order. The hub answers what it
   * still keeps after `after`, in order. A hole in its answer, before a message it does keep, is gone for good:
   * the hub gave up sending it (after `giveUpAfterMs`, a long outage of ours) and its retention deleted it since.
   * No one can fill it, so the room moves past it rather than stop here for ever; its devices see the
   * sequence jump, as after their own retention. An answer with nothing at or after the hole (not even the
   * message the hub is sending) explains nothing: that stays a gap.
   */
  private async fillGap(origin: string, room: string, after: number, before: number): Promise<boolean> {
    let position = after;
    while (position < before - 1) {
      // Pages small enough that a page of large messages stays within a peer's answer size limit.
      const limit = Math.min(100, before - 1 - position);
      const got = await this.client.post<{ messages?: WireMessage[] }>(origin, 'fetchMessages', {
        room,
        after: position,
        limit,
      });
      if (!got.ok || got.status !== 200 || !Array.isArray(got.body?.messages)) return false;
      const page = got.body.messages.filter((m) => m.room === room && m.seq > position);
      if (page.length === 0) return false;
      for (const wire of page) {
        if (wire.seq <= position) return false; // out of order
        const kept = Math.min(wire.seq, before);
        if (kept > position + 1) {
          if (!(await this.storage.federation.skipGone(origin, room, position, kept - 1))) return false;
          position = kept - 1;
        }
        if (wire.seq >= before) break;
        const message = messageFromWire(this.domain, wire);
        if (!message || message.seq !== position + 1) return false;
        const applied = await this.storage.federation.receive(origin, message);
        if (!applied.ok) return false;
        if (applied.stored) this.hub.announce(applied.stored, new Set(applied.audience));
        if (message.state) this.streams.wake(applied.audience);
        position = message.seq;
      }
    }
    return true;
  }

  /**
   * A device's application message to a room hubbed elsewhere: durably queued first, then sent. Answers with the
   * hub's sequence number when the hub confirms within `submitWaitMs`, else as queued.
   */
  async submit(input: {
    room: string;
    hub: string;
    handle: string;
    deviceId: string;
    clientId: string;
    payload: Uint8Array;
  }) {
    const body = {
      room: input.room,
      sender: userUri({ handle: input.handle, domain: this.domain }),
      device: input.deviceId,
      clientId: input.clientId,
      payload: base64(input.payload),
    };
    const [id] = await this.storage.federation.enqueue(
      [
        {
          destination: input.hub,
          kind: 'submit',
          device: input.deviceId,
          body: new TextEncoder().encode(JSON.stringify(body)),
        },
      ],
      this.now(),
    );
    const answer = this.outbox.waitFor(id!, this.config.federation.submitWaitMs);
    this.outbox.kick(input.hub);
    const result = await answer;
    if (result === undefined) return { queued: true as const };
    if (!result.ok) {
      throw new ApiError(
        result.code === 'notMember' || result.code === 'noSuchRoom' ? 'noSuchRoom' : 'forbidden',
        result.message ?? `${input.hub} refused the message.`,
      );
    }
    return {
      queued: false as const,
      seq: result.seq ?? 0,
      ts: result.ts ?? this.now(),
      duplicate: result.duplicate === true,
    };
  }

  /** A device's commit or proposal to a room hubbed elsewhere, relayed at once: the hub decides the epoch. */
  async handshake(
    input: HandshakeSubmission & { hub: string },
  ): Promise<{ seq: number; ts: number; epoch?: number }> {
    const item = {
      room: input.room,
      sender: userUri({ handle: input.handle, domain: this.domain }),
      device: input.deviceId,
      kind: input.kind,
      message: base64(input.message),
      ...(input.groupInfo ? { groupInfo: base64(input.groupInfo) } : {}),
      ...(input.welcome ? { welcome: base64(input.welcome) } : {}),
    };
    const txn = `h-${this.now()}-${Math.random().toString(36).slice(2)}`;
    const result = await this.client.post<{ results?: ItemResult[] } & { error?: { code?: string } }>(
      input.hub,
      'submitMessage',
      { txn, items: [item] },
    );
    if (!result.ok || result.status !== 200) relayed(input.hub, result);
    const answer = result.body.results?.[0];
    if (!answer) throw unavailable(input.hub);
    if (!answer.ok) relayed(input.hub, { ok: true, status: 400, body: { error: answer } });
    return { seq: answer.seq ?? 0, ts: answer.ts ?? this.now() };
  }

  /** A user of another provider: their identity key and devices (cached for a minute unless `fresh`). */
  async user(address: string, fresh = false): Promise<RemoteUser> {
    const cached = this.identities.get(address);
    // A fresh look is still bounded: at most one per user every 2 s, whatever a peer makes us check.
    if (cached && (fresh ? this.now() - (cached.fresh ?? 0) < 2_000 : this.now() - cached.at < 60_000)) {
      return cached.user;
    }
    const parsed = parseAddress(address)!;
    const result = await this.client.post<{
      identityKey?: string | null;
      devices?: string[];
      error?: { code?: string };
    }>(parsed.domain, 'identifierQuery', { user: userUri(parsed) });
    if (!result.ok || result.status !== 200) {
      if (result.ok && result.status === 404)
        throw new ApiError('noSuchUser', `There is no user ${address}.`);
      relayed(parsed.domain, result);
    }
    const user: RemoteUser = {
      user: formatAddress(parsed),
      identityKey: result.body.identityKey ? fromBase64(result.body.identityKey) : null,
      devices: Array.isArray(result.body.devices)
        ? result.body.devices.filter((d) => typeof d === 'string')
        : [],
    };
    this.identities.set(address, { at: this.now(), user, ...(fresh ? { fresh: this.now() } : {}) });
    if (this.identities.size > 10_000) this.identities.delete(this.identities.keys().next().value!);
    return user;
  }

  /** Claims a remote user's KeyPackages for our user `requester` (the target's provider applies its policy). */
  async claim(requester: string, address: string, devices?: string[]) {
    const parsed = parseAddress(address)!;
    const result = await this.client.post<{
      keyPackages?: { deviceId: string; keyPackage: string; lastResort: boolean }[];
    }>(parsed.domain, 'keyMaterial', {
      requester: userUri({ handle: requester, domain: this.domain }),
      user: userUri(parsed),
      ...(devices ? { devices } : {}),
    });
    if (!result.ok || result.status !== 200) relayed(parsed.domain, result);
    return (result.body.keyPackages ?? []).filter(
      (k) => typeof k.deviceId === 'string' && typeof k.keyPackage === 'string',
    );
  }

  /** The latest GroupInfo of a room hubbed elsewhere, for one of our members (external joins). */
  async groupInfo(room: string, hub: string, handle: string) {
    const result = await this.client.post<{ epoch?: number; groupInfo?: string }>(hub, 'groupInfo', {
      room,
      requester: userUri({ handle, domain: this.domain }),
    });
    if (!result.ok || result.status !== 200) relayed(hub, result);
    if (typeof result.body.groupInfo !== 'string' || typeof result.body.epoch !== 'number')
      throw unavailable(hub);
    return { epoch: result.body.epoch, groupInfo: fromBase64(result.body.groupInfo) };
  }

  /** Tells the requester's provider that our user accepted them (a decline is never told). */
  async accepted(handle: string, peer: string): Promise<void> {
    const parsed = parseAddress(peer)!;
    const body = {
      requester: userUri(parsed),
      target: userUri({ handle, domain: this.domain }),
      state: 'granted',
    };
    await this.storage.federation.enqueue(
      [{ destination: parsed.domain, kind: 'consent', body: new TextEncoder().encode(JSON.stringify(body)) }],
      this.now(),
    );
    this.outbox.kick(parsed.domain);
  }

  /** An abuse report about one message of a room hubbed elsewhere, queued for the hub. */
  async report(hub: string, report: { room: string; seq: number; handle: string; reason: string }) {
    const body = {
      room: report.room,
      seq: report.seq,
      reporter: userUri({ handle: report.handle, domain: this.domain }),
      reason: report.reason,
    };
    await this.storage.federation.enqueue(
      [{ destination: hub, kind: 'report', body: new TextEncoder().encode(JSON.stringify(body)) }],
      this.now(),
    );
    this.outbox.kick(hub);
  }

  /** An attachment uploaded to another provider, fetched for one of our users (undefined when there is none). */
  async download(domain: string, id: string): Promise<Uint8Array | undefined> {
    const result = await this.client.post<{ data?: string }>(domain, 'proxyDownload', { id });
    if (result.ok && result.status === 404) return undefined;
    if (!result.ok || result.status !== 200) relayed(domain, result);
    return typeof result.body.data === 'string' ? fromBase64(result.body.data) : undefined;
  }

  memberKey(uri: string) {
    return memberKey(this.domain, uri);
  }
}
