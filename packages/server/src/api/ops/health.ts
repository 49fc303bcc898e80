// GET /health (200 with JSON when the database answers, else 503) and GET /metrics (Prometheus text).
import type { Route } from '../../context.js';
import { wireError } from '../../errors.js';

export const health: Route = (app, ctx) => {
  const started = ctx.now();
  app.get('/health', async (_request, reply) => {
    try {
      await ctx.storage.ping();
    } catch {
      return reply.code(503).send(wireError('unavailable', 'The database does not answer.'));
    }
    return {
      status: 'ok',
      domain: ctx.config.domain,
      storage: ctx.storage.kind,
      uptimeSeconds: Math.round((ctx.now() - started) / 1000),
      streams: ctx.streams.size,
    };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
};
