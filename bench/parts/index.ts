// The registry of benchmark parts, in the order `npm run bench` runs them. A new part (federated delivery vs
// XMPP, connections, fan-out, durability) is a module in this folder exporting a `Part`, listed here.
import type { Part } from '../part.ts';
import { connections } from './connections.ts';
import { crypto } from './crypto.ts';
import { durability } from './durability.ts';
import { fanout } from './fanout.ts';
import { federation } from './federation.ts';

export const parts: Part[] = [crypto, federation, connections, fanout, durability];
