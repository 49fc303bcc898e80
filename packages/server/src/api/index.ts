import type { Route } from '../context.js';
import { attachments } from './client/attachments.js';
import { devices } from './client/devices.js';
import { handshakes } from './client/handshakes.js';
import { identity } from './client/identity.js';
import { keyPackages } from './client/keyPackages.js';
import { login } from './client/login.js';
import { membership } from './client/membership.js';
import { messages } from './client/messages.js';
import { register } from './client/register.js';
import { requests } from './client/requests.js';
import { rooms } from './client/rooms.js';
import { stream } from './client/stream.js';
import { sync } from './client/sync.js';
import { discovery } from './federation/discovery.js';
import { federation } from './federation/index.js';
import { health } from './ops/health.js';
import { web } from './web.js';

/** Every route of the provider, one file each. */
export const routes: Route[] = [
  health,
  register,
  login,
  devices,
  rooms,
  membership,
  messages,
  handshakes,
  identity,
  sync,
  keyPackages,
  requests,
  attachments,
  stream,
  discovery,
  federation,
  web,
];
