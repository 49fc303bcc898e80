import type { MessageView, RoomView } from '@parley/protocol';
import { formatAddress, roomUri } from '@parley/protocol';
import type { MemberRecord, RoomRecord, StoredMessage } from '../storage/types.js';

export const address = (domain: string, handle: string) => formatAddress({ handle, domain });

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
    uri: roomUri(domain, room.id),
    hub: domain,
    kind: room.kind,
    creator: address(domain, room.creator),
    members: members.map((m) => ({ user: address(domain, m.handle), role: m.role })),
    lastSeq: room.lastSeq,
    createdAt: room.createdAt,
    encrypted: room.encrypted,
    epoch: room.epoch,
  };
}
