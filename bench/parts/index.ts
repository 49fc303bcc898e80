// The registry of benchmark parts, in the order `npm run bench` runs them. A new part (federated delivery vs
// XMPP, connections, fan-out, durability) is a module in this folder exporting a `Part`, listed here.
import type { Part } from '../part.ts';
import { crypto } from './crypto.ts';
import { federation } from './federation.ts';

export const parts: Part[] = [crypto, federation];
