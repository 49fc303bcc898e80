import type { PskIndex } from 'ts-mls';
import { makePskIndex } from 'ts-mls/clientState.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import type { ExternalPsk } from './context.js';
import type { GroupState } from './state.js';

/** A PSK index over this state's resumption secrets and the given external PSKs. */
export function pskIndex(state: GroupState | undefined, psks: ExternalPsk[] = []): PskIndex {
  return makePskIndex(state, Object.fromEntries(psks.map((p) => [bytesToBase64(p.id), p.secret])));
}
