/**
 * Prometheus metrics, one registry per provider (several providers may share a process in tests).
 * Labels never carry user data: routes are patterns, not URLs.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly submitted = new Counter({
    name: 'parley_messages_submitted_total',
    help: 'Payloads durably stored in rooms',
    registers: [this.registry],
  });
  readonly pushed = new Counter({
    name: 'parley_messages_pushed_total',
    help: 'Payloads pushed to connected devices',
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'parley_stream_connections',
    help: 'Authenticated WebSocket streams open now',
    registers: [this.registry],
  });
  readonly pruned = new Counter({
    name: 'parley_messages_pruned_total',
    help: 'Payloads deleted after acknowledgement or retention',
    registers: [this.registry],
  });

  readonly federationSent = new Counter({
    name: 'parley_federation_items_sent_total',
    help: 'Outbox items a peer acknowledged, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly federationRetries = new Counter({
    name: 'parley_federation_retries_total',
    help: 'Outbox transactions that failed and were scheduled again',
    registers: [this.registry],
  });
  readonly federationReceived = new Counter({
    name: 'parley_federation_items_received_total',
    help: 'Items applied from peers, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  /** What the outbox holds in memory, read when scraped (the outbox sets it). */
  outboxHeld: () => number = () => 0;
  readonly outboxHeldMessages: Gauge = new Gauge({
    name: 'parley_outbox_held_messages',
    help: 'Messages the outbox holds in memory until every peer owed them has them',
    registers: [this.registry],
    collect: (): void => this.outboxHeldMessages.set(this.outboxHeld()),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}
