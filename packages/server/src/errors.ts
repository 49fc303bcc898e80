/**
 * The one error family of the server, and the one place it becomes the wire format
 * `{ "error": { "code", "message" } }`.
 */
import { ERROR_STATUS, type ErrorCode } from '@parley/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export const wireError = (code: ErrorCode, message: string) => ({ error: { code, message } });

/** Fastify's own errors for bad requests, mapped to our codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payloadTooLarge',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupportedMediaType',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'badRequest',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalidRequest',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalidRequest',
  FST_ERR_VALIDATION: 'invalidRequest',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).headers(error.headers).send(wireError(error.code, error.message));
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return reply.code(400).send(wireError('invalidRequest', `Invalid ${where}: ${error.message}`));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.code(ERROR_STATUS[mapped]).send(wireError(mapped, error.message));
    if (
      error instanceof SyntaxError ||
      (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    ) {
      return reply.code(400).send(wireError('badRequest', 'The request could not be read.'));
    }
    // A bug or a broken database: log it (no request data beyond the route), answer without details.
    request.log.error(
      { err: { type: error.name, message: error.message, stack: error.stack } },
      'request failed',
    );
    return reply.code(500).send(wireError('internal', 'Something went wrong on the server.'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(wireError('notFound', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
