/**
 * The hub's MLS rule book for encrypted rooms. It holds no group secret: it checks each commit or proposal against
 * the room's latest GroupInfo (`checkHandshake`), accepts exactly one commit per epoch (the storage compares and
 * sets the epoch in the same transaction that stores the commit), and keeps the room's member list in step with
 * the group: a user is a member while one of their devices is a leaf.
 */
import { checkHandshake, type HubMember, type MlsContext } from '@parley/crypto';
import { formatAddress, parseAddress, userUri } from '@parley/protocol';
import { ApiError } from '../errors.js';
import type { Storage } from '../storage/types.js';

export interface HandshakeSubmission {
  room: string;
  handle: string;
  deviceId: string;
  kind: 'commit' | 'proposal';
  message: Uint8Array;
  groupInfo?: Uint8Array | undefined;
  welcome?: Uint8Array | undefined;
}

const bad = (why: string) => new ApiError('badHandshake', why);

/** Users of other providers, as the hub checks them: which peers it federates with, and a user's devices. */
export interface PeerUsers {
  reaches(domain: string): boolean;
  /** The user's device ids; `fresh` asks their provider again rather than trusting a recent answer. */
  devices(address: string, fresh?: boolean): Promise<string[]>;
}

/**
 * The member key of a member's user URI: the handle for a user here, the address for a user of a provider this
 * one federates with; anything else is refused.
 */
function memberOf(domain: string, member: HubMember, peers: PeerUsers | undefined): string {
  const match = /^mimi:\/\/([^/]+)\/u\/([^/]+)$/.exec(member.userUri);
  const address = match && parseAddress(`${match[2]}@${match[1]}`);
  if (address?.domain === domain) return address.handle;
  if (!address || !peers?.reaches(address.domain)) {
    throw bad(`${member.userUri} is not a user of ${domain} or of a provider it federates with.`);
  }
  return formatAddress(address);
}

async function devicesOf(storage: Storage, member: string, peers: PeerUsers | undefined): Promise<string[]> {
  if (member.includes('@')) return peers ? peers.devices(member) : [];
  return (await storage.accounts.listDevices(member)).map((d) => d.id);
}

export async function checkSubmission(
  mls: MlsContext,
  storage: Storage,
  domain: string,
  input: HandshakeSubmission,
  peers?: PeerUsers,
) {
  // Outsiders learn nothing, not even whether the room exists.
  const room = await storage.rooms.getRoom(input.room);
  if (!room?.members.some((m) => m.handle === input.handle && !m.pending))
    throw new ApiError('noSuchRoom', 'There is no such room.');
  const current = await storage.rooms.groupInfo(input.room);
  if (!current) throw new ApiError('forbidden', 'This room is not encrypted: it takes no MLS handshakes.');
  const check = await checkHandshake(mls, current.groupInfo, input.message, input.groupInfo);
  if (!check.ok) {
    if (check.reason === 'staleEpoch') {
      throw new ApiError(
        'staleEpoch',
        'The room has moved to a newer epoch: process its new commits, then retry.',
      );
    }
    throw bad(`The ${input.kind} does not verify (${check.reason}).`);
  }
  if (check.kind !== input.kind) throw bad(`Expected a ${input.kind}, got a ${check.kind}.`);
  const me = userUri(parseAddress(input.handle, domain)!);
  if (check.sender.userUri !== me || check.sender.deviceId !== input.deviceId) {
    throw new ApiError('forbidden', 'A device submits only the handshakes it signed itself.');
  }
  if (check.kind === 'proposal') return { check, epoch: Number(check.epoch) };

  const next = check.next;
  for (const member of next.added) {
    const key = memberOf(domain, member, peers);
    let devices = await devicesOf(storage, key, peers);
    // A device signed in since we last asked its provider: ask again before refusing.
    if (!devices.includes(member.deviceId) && peers && key.includes('@'))
      devices = await peers.devices(key, true);
    if (!devices.includes(member.deviceId)) {
      throw bad(`${formatAddress(parseAddress(key, domain)!)} has no device ${member.deviceId}.`);
    }
  }
  const usersAfter = new Set(next.members.map((m) => memberOf(domain, m, peers)));
  if (room.room.kind === 'direct' && usersAfter.size > 2) throw bad('A direct room keeps its two people.');
  const before = new Set(room.members.map((m) => m.handle));
  // A device joining by external commit is the sender and the one added; it needs no Welcome.
  const welcomed = next.added.filter((m) => m.deviceId !== input.deviceId);
  if (welcomed.length > 0 && !input.welcome)
    throw bad('A commit that adds devices comes with their Welcome.');
  return {
    check,
    epoch: Number(check.epoch),
    next: {
      epoch: Number(next.epoch),
      groupInfo: input.groupInfo!,
      addUsers: [...usersAfter].filter((h) => !before.has(h)),
      removeUsers: [...before].filter((h) => !usersAfter.has(h)),
    },
    welcome:
      welcomed.length > 0
        ? {
            payload: input.welcome!,
            devices: welcomed.map((m) => ({ id: m.deviceId, user: memberOf(domain, m, peers) })),
          }
        : undefined,
  };
}
