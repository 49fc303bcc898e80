/**
 * What every `/federation/v1/*` route goes through: the raw body kept for its digest, the request's signature
 * verified against the claimed origin's published keys (short window, replay cache), sender URIs in the body
 * held to the signer's domain, and every answer — refusals included — signed and bound to the request.
 */
import { signResponse, type VerifyFailure, verifyRequest } from '@parley/federation';
import { type ErrorCode, isDomain } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Context, tooMany } from '../../context.js';
import { ApiError } from '../../errors.js';
import { ORIGIN_HEADER } from '../../federation/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on federation routes once the signature verified: the peer that signed. */
    federation?: { origin: string; keyId: string };
    rawBody?: Buffer;
    badJson?: boolean;
  }
  interface FastifyContextConfig {
    /** Body fields holding a user URI that must belong to the signing provider (`mimi://ORIGIN/u/…`). */
    senders?: string[];
  }
}

const REFUSAL: Record<VerifyFailure, ErrorCode> = {
  missingSignature: 'badSignature',
  malformed: 'badSignature',
  missingComponent: 'badSignature',
  badSignature: 'badSignature',
  unknownKey: 'unknownKey',
  expired: 'expired',
  future: 'expired',
  badDigest: 'badDigest',
  replayed: 'replayed',
};

const MESSAGES: Record<VerifyFailure, string> = {
  missingSignature: 'The request carries no HTTP message signature.',
  malformed: 'The request signature cannot be read.',
  missingComponent:
    'The signature must cover @method, @target-uri, parley-origin and (with a body) content-digest.',
  badSignature: 'The request signature does not verify.',
  unknownKey: 'The signing key is not among the origin provider’s published keys.',
  expired: 'The request signature is too old.',
  future: 'The request signature was created in the future.',
  badDigest: 'The body does not match its Content-Digest.',
  replayed: 'This request was accepted once already, or signed before this provider started: sign it anew.',
};

const EMPTY = Buffer.alloc(0);

/** A route inside the federation scope: its path is relative to /federation/v1. */
export type FederatedRoute = (scope: FastifyInstance, ctx: Context) => void;

/** The user URI's domain, or undefined when the text is not `mimi://DOMAIN/u/HANDLE`. */
export function uriDomain(uri: string): string | undefined {
  const match = /^mimi:\/\/([^/]+)\/u\/[^/]+$/.exec(uri);
  return match && isDomain(match[1]!) ? match[1] : undefined;
}

const targetOf = (ctx: Context, request: FastifyRequest) => `${ctx.federation.publicUrl}${request.url}`;

/**
 * Bodies are checked by TypeBox's compiled checks rather than Ajv's. Same schemas, same meaning (lengths in code
 * points, no coercion needed: peers send JSON as typed); but Ajv counts the code points of every string in a
 * helper call per character, and a notify of 48 messages, their payloads mostly, took 190 µs to check against
 * TypeBox's 26. A refusal names the first problem, as Fastify's own does (`body/items/0/seq must be >= 1`).
 */
function compileBody({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const check = Compile(schema as TSchema);
  return (data: unknown) => {
    if (check.Check(data)) return { value: data };
    const first = check.Errors(data)[0];
    const error = new Error(
      `${httpPart ?? 'body'}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`,
    ) as Error & { validation: unknown[]; validationContext: string };
    error.validation = first ? [first] : [];
    error.validationContext = httpPart ?? 'body';
    return { error };
  };
}

export function installInbound(scope: FastifyInstance, ctx: Context): void {
  scope.setValidatorCompiler(compileBody);
  // The digest is over the bytes as sent, so the scope reads JSON itself; a body that is not JSON is refused
  // only after the signature verified (an unsigned stranger learns nothing but 401).
  scope.removeAllContentTypeParsers();
  // A transaction carries up to a batch of messages (the outbox cuts batches at TRANSACTION_BYTES), a relayed
  // commit a GroupInfo and a Welcome: more than a client request may.
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: ctx.config.federation.maxBodyBytes },
    (request, body, done) => {
      request.rawBody = body as Buffer;
      try {
        done(null, request.rawBody.length === 0 ? undefined : JSON.parse(request.rawBody.toString('utf8')));
      } catch {
        request.badJson = true;
        done(null, undefined);
      }
    },
  );

  scope.addHook('preValidation', async (request) => {
    const claimed = request.headers[ORIGIN_HEADER];
    const origin = typeof claimed === 'string' ? claimed.toLowerCase() : '';
    if (!isDomain(origin) || origin === ctx.config.domain || !ctx.federation.peers.base(origin)) {
      throw new ApiError(
        'unknownPeer',
        'The parley-origin header names no provider this one federates with.',
      );
    }
    let unreachable = false;
    const f = ctx.config.federation;
    const result = await verifyRequest({
      method: request.method,
      url: targetOf(ctx, request),
      headers: request.headers,
      body: request.rawBody ?? EMPTY,
      now: ctx.now(),
      maxAgeSeconds: f.maxAgeSeconds,
      clockSkewSeconds: f.clockSkewSeconds,
      replayCache: ctx.federation.replay,
      requiredComponents: ['@method', '@target-uri', ORIGIN_HEADER],
      resolveKey: async (keyId) => {
        const found = await ctx.federation.peers.key(origin, keyId);
        if (!found.ok && found.reason === 'unreachable') unreachable = true;
        return found.ok ? found.key : undefined;
      },
    });
    if (!result.ok) {
      if (unreachable) {
        throw new ApiError('unavailable', `The keys of ${origin} could not be fetched; try again later.`, {
          'retry-after': '30',
        });
      }
      throw new ApiError(REFUSAL[result.reason], MESSAGES[result.reason]);
    }
    request.federation = { origin, keyId: result.keyId };
    const taken = ctx.limits.peer.take(origin);
    if (!taken.ok) throw tooMany(taken.retryAfterMs);
    if (request.badJson) throw new ApiError('invalidRequest', 'The body is not JSON.');

    const body = request.body as Record<string, unknown> | undefined;
    for (const field of request.routeOptions.config.senders ?? []) {
      const value = body?.[field];
      if (typeof value !== 'string') continue; // absent or mistyped: the schema answers that
      if (uriDomain(value) !== origin) {
        throw new ApiError('foreignSender', `${field} must be a user of ${origin}, the signing provider.`);
      }
    }
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    if (
      payload !== null &&
      payload !== undefined &&
      typeof payload !== 'string' &&
      !Buffer.isBuffer(payload)
    ) {
      return payload; // a stream: none of our routes answers with one
    }
    const body = payload ?? undefined;
    const key = await ctx.federation.keys.current();
    const common = {
      status: reply.statusCode,
      headers: {},
      keyId: key.keyId,
      privateKey: key.privateKey,
      created: Math.floor(ctx.now() / 1000),
    };
    const signOptions = body === undefined ? common : { ...common, body };
    let added: Record<string, string>;
    try {
      added = signResponse({
        ...signOptions,
        request: { method: request.method, url: targetOf(ctx, request), headers: request.headers },
      });
    } catch {
      // The request's own signature field could not be bound (unreadable): sign the answer alone.
      added = signResponse(signOptions);
    }
    reply.headers(added);
    return payload;
  });
}
