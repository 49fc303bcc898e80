/**
 * `createProvider`: one Parley provider — client API, WebSocket stream, health and metrics on one port — over a
 * storage the caller opened. The entry point (apps/provider) reads configuration and handles signals; tests start
 * providers in-process with this same function.
 */

import websocket from '@fastify/websocket';
import { createContext, type LookupIdentityKey } from '@parley/crypto';
import { loadNodeSuite } from '@parley/crypto/node';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { DestinationStream } from 'pino';
import { routes } from './api/index.js';
import { Authenticator } from './auth/authenticate.js';
import { RateLimiter } from './auth/rateLimit.js';
import type { ProviderConfig } from './config.js';
import type { Context } from './context.js';
import { Hub } from './delivery/hub.js';
import { StreamRegistry } from './delivery/streams.js';
import { ApiError, installErrorHandling, wireError } from './errors.js';
import { createFederation } from './federation/index.js';
import { Outbox } from './federation/outbox.js';
import { FederatedRooms } from './federation/rooms.js';
import { Metrics } from './metrics.js';
import type { Storage } from './storage/types.js';

export interface ProviderOptions {
  /** Where logs go (default stdout). */
  logStream?: DestinationStream;
  now?: () => number;
}

export interface Provider {
  readonly config: ProviderConfig;
  readonly app: FastifyInstance;
  readonly ctx: Context;
  /** Listens on the configured host and port; resolves with the base URL. */
  start(): Promise<string>;
  /** Base URL once started. */
  readonly url: string;
  /** Stops taking work, finishes writes under way, closes streams and the storage. */
  close(): Promise<void>;
}

export async function createProvider(
  config: ProviderConfig,
  storage: Storage,
  options: ProviderOptions = {},
): Promise<Provider> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            base: { domain: config.domain },
            // Logs carry routes, never URLs with user names, bodies, tokens or keys.
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password'],
              remove: true,
            },
            serializers: {
              req: (req) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched', id: req.id }),
              res: (res) => ({ status: res.statusCode }),
            },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Raised before routing (a malformed percent-encoding, an over-long path parameter); without this Fastify
    // answers in its own error shape.
    frameworkErrors: (error, _request, reply) => {
      const bad = (error.statusCode ?? 500) < 500;
      (reply as FastifyReply)
        .code(bad ? 400 : 500)
        .send(
          bad
            ? wireError('badRequest', 'The request URL could not be read.')
            : wireError('internal', 'Something went wrong on the server.'),
        );
    },
  });
  app.server.on('connection', (socket) => socket.setNoDelay(true));
  // The API speaks JSON only; Fastify's default text/plain parser would let a text body through to validation.
  app.removeContentTypeParser('text/plain');

  const metrics = new Metrics();
  const hub = new Hub(storage, metrics, now);
  const streams = new StreamRegistry(hub, storage, (error) =>
    app.log.error({ err: error }, 'writing acknowledgements failed'),
  );
  streams.heartbeat(config.stream.heartbeatMs);
  const federation = createFederation(config, storage, now);
  const outbox = new Outbox(storage, federation.client, config, metrics, app.log, now);
  hub.peersOwed = (domains) => {
    for (const domain of domains) outbox.kick(domain);
  };
  hub.stored = (message, peers) => outbox.remember(message, peers.size);
  const remote = new FederatedRooms(config, storage, federation.client, outbox, hub, streams, now);
  const ctx: Context = {
    config,
    storage,
    log: app.log,
    metrics,
    auth: new Authenticator(storage, now),
    hub,
    streams,
    limits: {
      register: new RateLimiter(config.rateLimits.register, now),
      login: new RateLimiter(config.rateLimits.login, now),
      peer: new RateLimiter(config.federation.peerLimit, now),
      sender: new RateLimiter(config.federation.senderLimit, now),
    },
    mls: createContext({
      suite: await loadNodeSuite(),
      lookupIdentityKey: identityKeys(config.domain, storage, remote),
    }),
    federation,
    outbox,
    remote,
    peerUsers: {
      reaches: (domain) => federation.peers.base(domain) !== undefined,
      devices: async (address, fresh) => (await remote.user(address, fresh)).devices,
    },
    now,
  };

  installErrorHandling(app);
  // PostgreSQL text cannot hold U+0000 (the query fails), so no backend is handed one: refused here, alike for all.
  app.addHook('preHandler', async (request) => {
    // JSON writes U+0000 only as the escape \u0000: a raw body without one (federation keeps it) holds none, and
    // a transaction of hundreds of strings is not walked.
    const body = request.rawBody?.includes('\\u0000') === false ? undefined : request.body;
    if (hasNul(body) || hasNul(request.params) || hasNul(request.query)) {
      throw new ApiError('invalidRequest', 'Text may not contain the character U+0000.');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });
  await app.register(websocket, {
    options: { maxPayload: config.stream.maxFrameBytes },
    // A bad frame (too big, say) is a client's error: ws has already queued its close frame (1009) and ends the
    // socket once that is written. The plugin's default would cut the socket at once and lose the frame; a
    // client that does not close in turn is cut a second later.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: error }, 'stream closed on a bad frame');
      setTimeout(() => socket.terminate(), 1000).unref();
    },
  });
  for (const route of routes) route(app, ctx);

  const prune = setInterval(() => {
    // Each kind of pruning on its own: one failing does not hold the others back.
    const jobs: [string, () => Promise<unknown>][] = [
      [
        'messages',
        () => storage.rooms.prune(now() - config.retention.maxAgeMs).then((n) => metrics.pruned.inc(n)),
      ],
      ['attachments', () => storage.attachments.prune(now() - config.attachments.maxAgeMs)],
      ['federation inbox', () => storage.federation.pruneInbox(now() - 2 * config.federation.giveUpAfterMs)],
    ];
    for (const [what, job] of jobs)
      job().catch((error) => app.log.error({ err: error, what }, 'prune failed'));
  }, config.retention.pruneIntervalMs);
  prune.unref();

  let url = '';
  let closing: Promise<void> | undefined;
  return {
    config,
    app,
    ctx,
    get url() {
      return url;
    },
    async start() {
      // The signing key exists (made and stored on first start) before any peer can ask for it.
      await ctx.federation.keys.current();
      const address = await app.listen({ host: config.host, port: config.port });
      url = config.publicUrl ?? address.replace('[::1]', 'localhost');
      ctx.federation.publicUrl = url.replace(/\/+$/, '');
      // Whatever was owed to peers before a stop or a crash is sent again.
      await outbox.resume();
      return url;
    },
    close() {
      closing ??= (async () => {
        clearInterval(prune);
        ctx.streams.stop();
        const streams = ctx.streams.all();
        for (const stream of streams) stream.socket.close(1001, 'server shutting down');
        // Requests under way get a grace period; then idle or half-sent connections are cut so that shutdown
        // cannot hang. Writes already begun still finish: the hub is awaited below.
        const cut = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
        await app.close();
        clearTimeout(cut);
        await hub.idle();
        await outbox.stop();
        await Promise.all(streams.map((s) => s.close()));
        await storage.close();
      })();
      return closing;
    },
  };
}

/** Whether any string (or key) in a parsed request holds U+0000; iterative, as unvalidated bodies nest deep. */
function hasNul(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, item] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/**
 * Identity keys as the hub's MLS checks look them up by user URI: this provider's users from storage, users of
 * peers from their provider (identifierQuery, cached briefly).
 */
function identityKeys(domain: string, storage: Storage, remote: FederatedRooms): LookupIdentityKey {
  const prefix = `mimi://${domain}/u/`;
  return async (uri) => {
    if (uri.startsWith(prefix)) {
      return (await storage.accounts.getUser(uri.slice(prefix.length)))?.identityKey ?? undefined;
    }
    const key = remote.memberKey(uri);
    if (key === undefined) return undefined;
    try {
      return (await remote.user(key)).identityKey ?? undefined;
    } catch {
      return undefined;
    }
  };
}
