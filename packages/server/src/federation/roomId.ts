/**
 * A room id bound to its hub: the first 26 base32 characters of SHA-256(`hub domain` LF `salt`). The hub sends the
 * salt with the room state, and a follower creates its copy of a room only when the id is the hub's own: another
 * provider that learnt the id cannot claim it (it would need a salt hashing to it under its own domain).
 */
import { createHash, randomBytes } from 'node:crypto';
import { base32 } from '@parley/protocol';

export function roomIdFor(domain: string, salt: string): string {
  return base32(createHash('sha256').update(`${domain}\n${salt}`).digest()).slice(0, 26);
}

export function newRoomId(domain: string): { id: string; salt: string } {
  const salt = randomBytes(16).toString('base64url');
  return { id: roomIdFor(domain, salt), salt };
}
