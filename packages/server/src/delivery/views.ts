import type { MessageView, RoomView } from '@parley/protocol';
import { formatAddress, roomUri } from '@parley/protocol';
import type { MemberRecord, RoomRecord, StoredMessage } from '../storage/types.js';

/** A member key as an address: local handles get this provider's domain; addresses stay as they are. */
export const address = (domain: string, member: string) =>
  member.includes('@') ? member : formatAddress({ handle: member, domain });

export function messageView(domain: string, m: StoredMessage): MessageView {
  return {
    room: m.room,
    seq: m.seq,
    kind: m.kind,
    sender: address(domain, m.sender),
    device: m.device,
    ts: m.ts,
    payload: Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength).toString('base64'),
  };
}

export function roomView(domain: string, room: RoomRecord, members: MemberRecord[]): RoomView {
  return {
    id: room.id,
    uri: roomUri(room.hub ?? domain, room.id),
    hub: room.hub ?? domain,
    kind: room.kind,
    creator: address(domain, room.creator),
    members: members
      .filter((m) => !m.pending)
      .map((m) => ({ user: address(domain, m.handle), role: m.role })),
    lastSeq: room.lastSeq,
    createdAt: room.createdAt,
    encrypted: room.encrypted,
    epoch: room.epoch,
  };
}
