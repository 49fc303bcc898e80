// The provider's client API (docs/CLIENT-API.md), one typed method per call. Bytes travel as base64.
import type { MessageView, RoomView, Session } from '@parley/protocol';
import { fromBase64, toBase64 } from '../util/bytes.js';
import { Http, type HttpOptions } from './http.js';

export interface Page {
  messages: MessageView[];
  more: boolean;
}

export interface UserView {
  user: string;
  identityKey: Uint8Array | null;
  devices: string[];
}

export interface ClaimedKeyPackage {
  deviceId: string;
  keyPackage: Uint8Array;
  lastResort: boolean;
}

export interface Accepted {
  room: string;
  seq: number;
  ts: number;
}

/** A message stored by the room's hub: its place in the room is known. */
export interface Submitted extends Accepted {
  duplicate: boolean;
  queued?: false;
}

/**
 * A message the device's provider keeps queued (202) because the room's hub, another provider, has not answered
 * yet. It has no `seq` until the hub takes it; it comes back through the stream like every message.
 */
export interface Queued {
  room: string;
  queued: true;
  clientId: string;
}

/** A first contact from a user of another provider, waiting for this user's answer (`GET /v1/requests`). */
export interface ContactRequest {
  /** `alice@a.example` */
  from: string;
  /** The rooms the request holds back: not listed, not delivered until accepted. */
  rooms: { id: string; kind: 'direct' | 'group' }[];
  /** When it came (ms since the epoch). */
  at: number;
}

/** What a device can do with a request; `block` also works without one. */
export type RequestAnswer = 'accept' | 'decline' | 'block';

const path = encodeURIComponent;

/**
 * Typed access to every endpoint a device uses. It holds no state beyond the token getter it was given.
 *
 * @example
 * const api = new ProviderApi({ server: 'http://127.0.0.1:7101', token: () => account?.token });
 * const { count } = await api.keyPackageCount();
 */
export class ProviderApi {
  readonly http: Http;

  constructor(options: HttpOptions) {
    this.http = new Http(options);
  }

  get server(): string {
    return this.http.server;
  }

  register(body: { handle: string; password: string; deviceName?: string }): Promise<Session> {
    return this.http.request('POST', '/v1/accounts', body);
  }

  login(body: { handle: string; password: string; deviceName?: string }): Promise<Session> {
    return this.http.request('POST', '/v1/sessions', body);
  }

  async putIdentity(identityKey: Uint8Array): Promise<void> {
    await this.http.request('PUT', '/v1/identity', { identityKey: toBase64(identityKey) });
  }

  async user(address: string): Promise<UserView> {
    const got = await this.http.request<{ user: string; identityKey: string | null; devices: string[] }>(
      'GET',
      `/v1/users/${path(address)}`,
    );
    return { ...got, identityKey: got.identityKey === null ? null : fromBase64(got.identityKey) };
  }

  async createRoom(body: { kind: 'direct' | 'group'; groupInfo: Uint8Array }): Promise<RoomView> {
    const got = await this.http.request<{ room: RoomView }>('POST', '/v1/rooms', {
      kind: body.kind,
      members: [],
      groupInfo: toBase64(body.groupInfo),
    });
    return got.room;
  }

  async room(roomId: string): Promise<RoomView> {
    return (await this.http.request<{ room: RoomView }>('GET', `/v1/rooms/${path(roomId)}`)).room;
  }

  async rooms(): Promise<{ id: string; kind: string; lastSeq: number }[]> {
    return (
      await this.http.request<{ rooms: { id: string; kind: string; lastSeq: number }[] }>('GET', '/v1/rooms')
    ).rooms;
  }

  submitCommit(
    roomId: string,
    body: { commit: Uint8Array; groupInfo: Uint8Array; welcome?: Uint8Array | undefined },
  ): Promise<Accepted & { epoch: number }> {
    return this.http.request('POST', `/v1/rooms/${path(roomId)}/commits`, {
      commit: toBase64(body.commit),
      groupInfo: toBase64(body.groupInfo),
      ...(body.welcome ? { welcome: toBase64(body.welcome) } : {}),
    });
  }

  submitProposal(roomId: string, proposal: Uint8Array): Promise<Accepted> {
    return this.http.request('POST', `/v1/rooms/${path(roomId)}/proposals`, { proposal: toBase64(proposal) });
  }

  async groupInfo(roomId: string): Promise<{ epoch: number; groupInfo: Uint8Array }> {
    const got = await this.http.request<{ epoch: number; groupInfo: string }>(
      'GET',
      `/v1/rooms/${path(roomId)}/groupinfo`,
    );
    return { epoch: got.epoch, groupInfo: fromBase64(got.groupInfo) };
  }

  submitMessage(roomId: string, payload: Uint8Array, clientId: string): Promise<Submitted | Queued> {
    return this.http.request('POST', `/v1/rooms/${path(roomId)}/messages`, {
      payload: toBase64(payload),
      clientId,
    });
  }

  messages(roomId: string, after: number, limit = 500): Promise<Page> {
    return this.http.request('GET', `/v1/rooms/${path(roomId)}/messages?after=${after}&limit=${limit}`);
  }

  sync(since: Record<string, number>, limit = 500): Promise<Page> {
    return this.http.request('POST', '/v1/sync', { since, limit });
  }

  async ack(acks: { room: string; seq: number }[]): Promise<void> {
    if (acks.length > 0) await this.http.request('POST', '/v1/ack', { acks });
  }

  async uploadKeyPackages(keyPackages: Uint8Array[], lastResort?: Uint8Array): Promise<void> {
    await this.http.request('POST', '/v1/keypackages', {
      keyPackages: keyPackages.map(toBase64),
      ...(lastResort ? { lastResort: toBase64(lastResort) } : {}),
    });
  }

  keyPackageCount(): Promise<{ count: number; lastResort: boolean }> {
    return this.http.request('GET', '/v1/keypackages/count');
  }

  async claimKeyPackages(user: string): Promise<ClaimedKeyPackage[]> {
    const got = await this.http.request<{
      keyPackages: { deviceId: string; keyPackage: string; lastResort: boolean }[];
    }>('POST', '/v1/keypackages/claim', { user });
    return got.keyPackages.map((k) => ({ ...k, keyPackage: fromBase64(k.keyPackage) }));
  }

  async requests(): Promise<ContactRequest[]> {
    return (await this.http.request<{ requests: ContactRequest[] }>('GET', '/v1/requests')).requests;
  }

  async answerRequest(answer: RequestAnswer, user: string): Promise<void> {
    await this.http.request('POST', `/v1/requests/${answer}`, { user });
  }

  async report(body: { room: string; seq: number; reason?: string }): Promise<void> {
    await this.http.request('POST', '/v1/reports', body);
  }
}
