/**
 * Durable delivery to peers, like SMTP. Whatever is owed to another provider is a row in the outbox first (in the
 * same transaction as the message it is about, for the hub's fan-out); one worker loop per destination sends the
 * oldest items, up to a batch, as one signed transaction to the endpoint of their kind, and deletes them only
 * once the peer answered that it applied them. Failures back off exponentially with jitter (capped), a circuit
 * breaker per peer turns a dead peer into occasional probes, and an item still undelivered after the give-up
 * period (5 days by default) is dropped and its sending device told. Nothing here is lost by a crash: on start,
 * every destination with rows is resumed.
 */
import { CircuitBreaker, retryDelay } from '@parley/federation';
import type { FastifyBaseLogger } from 'fastify';
import type { ProviderConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { KnownMessage, OutboxEntry, OutboxKind, Storage, StoredMessage } from '../storage/types.js';
import type { FederationClient } from './client.js';
import type { EndpointName } from './discovery.js';
import { notifyItem } from './wire.js';

/** What a peer answers for each item of a transaction, in order. */
export type ItemResult =
  /** `duplicate`: a submit the hub had stored before (same device and clientId), answered with its place. */
  | { ok: true; seq?: number; ts?: number; duplicate?: boolean }
  | { ok: false; code: string; message?: string };

const ENDPOINT: Record<OutboxKind, EndpointName> = {
  notify: 'notify',
  submit: 'submitMessage',
  consent: 'updateConsent',
  report: 'reportAbuse',
};

/** Payload bytes per transaction (base64 adds a third; well under a receiver's default body limit of 16 MiB). */
export const TRANSACTION_BYTES = 4 * 1024 * 1024;

/** The longest prefix of `entries` within TRANSACTION_BYTES, and at least one entry. */
function bySize(entries: OutboxEntry[]): OutboxEntry[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    total += (e.message?.payload.byteLength ?? 0) + (e.body?.byteLength ?? 0) + 512;
    if (total > TRANSACTION_BYTES && i > 0) return entries.slice(0, i);
  }
  return entries;
}

/**
 * At most this many messages stored lately are kept so that sending them needs no read of their payloads; each
 * is let go as soon as every peer it is owed to has it, so in the steady state only the messages of the
 * transactions under way are held, and the bound matters only while a peer lags.
 */
const RECENT_MESSAGES = 10_000;

/** A recent message's key: its room and sequence number. */
const recentKey = (room: string, seq: number) => `${room}\n${seq}`;

interface Lane {
  running: boolean;
  again: boolean;
  timer?: NodeJS.Timeout;
  failures: number;
  previousDelayMs?: number;
}

export class Outbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly waiters = new Map<number, (result: ItemResult) => void>();
  private readonly breaker: CircuitBreaker;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  /** Recent messages by `room\nseq`, with how many peers' lanes have yet to send each. */
  private readonly recent = new Map<string, { message: StoredMessage; owed: number }>();
  /**
   * The keys of `recent`, oldest first, in a ring: the oldest is found here rather than as the Map's first key,
   * which costs a walk past every entry deleted before it.
   */
  private readonly order: string[] = new Array(RECENT_MESSAGES);
  private next = 0;
  private readonly known: KnownMessage = (room, seq) => this.recent.get(recentKey(room, seq))?.message;

  constructor(
    private readonly storage: Storage,
    private readonly client: FederationClient,
    private readonly config: ProviderConfig,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number,
  ) {
    metrics.outboxHeld = () => this.recent.size;
    const f = config.federation;
    this.breaker = new CircuitBreaker({ openMs: f.retryCapMs, maxOpenMs: f.retryCapMs, now });
  }

  /**
   * A message submitted here that the hub just committed, as stored (perhaps not on the disk yet: `send` waits
   * for that before a transaction leaves), and how many peers it is owed to. Application messages only:
   * whatever else (commits with their room state, Welcomes) is read back from storage when it is sent.
   *
   * Held until that many lanes have sent it (see `sent`), not for the length of the ring: 10,000 payloads kept
   * for a second each went to the old generation and made the provider's major collections (a 10–20 ms pause
   * every few seconds at 10,000 messages/s, seen with `--trace-gc-nvp`).
   */
  remember(message: StoredMessage, peers: number): void {
    if (peers === 0 || message.kind !== 'application' || message.state || message.toUser) return;
    const key = recentKey(message.room, message.seq);
    if (this.recent.has(key)) return;
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.recent.delete(oldest);
    this.order[this.next] = key;
    this.next = (this.next + 1) % RECENT_MESSAGES;
    this.recent.set(key, { message, owed: peers });
  }

  /** One lane is done with these items (sent, or given up): a message no lane owes any more is let go. */
  private sent(entries: OutboxEntry[]): void {
    for (const entry of entries) {
      if (entry.message === undefined) continue;
      const key = recentKey(entry.message.room, entry.message.seq);
      const held = this.recent.get(key);
      if (held === undefined) continue;
      held.owed -= 1;
      if (held.owed <= 0) this.recent.delete(key);
    }
  }

  /** Resumes every destination that has items (after a restart). */
  async resume(): Promise<void> {
    for (const destination of await this.storage.federation.destinations()) this.kick(destination);
  }

  /** Something was queued for `destination`: send it now unless the lane is backing off. */
  kick(destination: string): void {
    if (this.stopped) return;
    const lane = this.lane(destination);
    if (lane.timer) return; // backing off: the timer will run it
    if (lane.running) {
      lane.again = true;
      return;
    }
    this.run(destination, lane);
  }

  /** Resolves with the peer's answer for queued item `id`, or undefined after `ms`. */
  waitFor(id: number, ms: number): Promise<ItemResult | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, ms);
      this.waiters.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    await Promise.allSettled([...this.running]);
  }

  private lane(destination: string): Lane {
    let lane = this.lanes.get(destination);
    if (!lane) {
      lane = { running: false, again: false, failures: 0 };
      this.lanes.set(destination, lane);
    }
    return lane;
  }

  private run(destination: string, lane: Lane): void {
    lane.running = true;
    const work = this.drain(destination, lane)
      .catch((error) => this.log.error({ err: error, peer: destination }, 'outbox lane failed'))
      .finally(() => {
        lane.running = false;
        this.running.delete(work);
        if (lane.again && !lane.timer && !this.stopped) {
          lane.again = false;
          this.run(destination, lane);
        }
      });
    this.running.add(work);
  }

  private async drain(destination: string, lane: Lane): Promise<void> {
    const batch = this.config.federation.batchSize;
    while (!this.stopped) {
      lane.again = false;
      const due = await this.storage.federation.due(destination, batch, this.known);
      if (due.length === 0) return;
      // One transaction carries items of one kind: the longest run of the oldest item's kind.
      const kind = due[0]!.kind;
      const end = due.findIndex((e) => e.kind !== kind);
      const entries = bySize(end === -1 ? due : due.slice(0, end));
      if (kind === 'notify' && !entries.some((e) => e.message)) {
        // Messages retention already deleted are owed to no one any more (see `send` for some among others).
        await this.storage.federation.delivered(entries);
        continue;
      }
      if (!this.breaker.allowRequest(destination)) {
        this.backOff(destination, lane, entries, undefined);
        return;
      }
      const outcome = await this.send(destination, kind, entries);
      if (outcome.ok) {
        this.breaker.recordSuccess(destination);
        // A follower that could not fill a gap yet keeps what follows: those items are sent again later.
        const stuck = outcome.results.findIndex((r) => !r.ok && r.code === 'gap');
        const answered = stuck === -1 ? entries : entries.slice(0, stuck);
        // A submit the hub refused (the sender left the room meanwhile, say) is given up: its device is told.
        const refused = answered.filter((_, i) => kind === 'submit' && outcome.results[i]?.ok === false);
        await this.storage.federation.giveUp(refused, 'refused', this.now());
        await this.storage.federation.delivered(answered.filter((e) => !refused.includes(e)));
        this.metrics.federationSent.inc({ kind }, answered.length);
        this.settle(answered, outcome.results);
        if (stuck !== -1) {
          this.log.warn({ peer: destination }, 'peer reports a gap it could not fill; retrying later');
          await this.storage.federation.attempted(entries.slice(stuck).map((e) => e.id));
          this.backOff(destination, lane, entries.slice(stuck), undefined);
          return;
        }
        lane.failures = 0;
        lane.previousDelayMs = undefined;
        continue;
      }
      this.breaker.recordFailure(destination);
      if (outcome.permanent) {
        this.log.warn({ peer: destination, kind, detail: outcome.detail }, 'peer refused a transaction');
        await this.storage.federation.giveUp(entries, 'refused', this.now());
        this.settle(
          entries,
          entries.map(() => ({ ok: false, code: 'refused' })),
        );
        continue;
      }
      await this.storage.federation.attempted(entries.map((e) => e.id));
      this.backOff(destination, lane, entries, outcome);
      return;
    }
  }

  private settle(entries: OutboxEntry[], results: ItemResult[]): void {
    this.sent(entries);
    entries.forEach((entry, i) => {
      const result = results[i] ?? { ok: false, code: 'missing' };
      this.waiters.get(entry.id)?.(result);
      this.waiters.delete(entry.id);
    });
  }

  /** Schedules the lane's next attempt; items past the give-up period are dropped and their devices told. */
  private backOff(
    destination: string,
    lane: Lane,
    entries: OutboxEntry[],
    failure: { retryAfterMs?: number } | undefined,
  ): void {
    const f = this.config.federation;
    lane.failures += 1;
    const oldest = Math.min(...entries.map((e) => e.createdAt));
    const decision = retryDelay(lane.failures, failure ?? {}, {
      firstAttemptAt: oldest,
      now: this.now(),
      baseMs: f.retryBaseMs,
      capMs: f.retryCapMs,
      giveUpAfterMs: f.giveUpAfterMs,
      ...(lane.previousDelayMs === undefined ? {} : { previousDelayMs: lane.previousDelayMs }),
    });
    let delay: number;
    if ('giveUp' in decision) {
      const stale = entries.filter((e) => this.now() - e.createdAt >= f.giveUpAfterMs);
      delay = 0;
      void this.storage.federation
        .giveUp(stale, 'undeliverable', this.now())
        .then(() =>
          this.settle(
            stale,
            stale.map(() => ({ ok: false, code: 'undeliverable' })),
          ),
        )
        .catch((error) => this.log.error({ err: error }, 'outbox give-up failed'));
      delay = f.retryBaseMs;
    } else {
      delay = decision.retryInMs;
      lane.previousDelayMs = delay;
    }
    this.metrics.federationRetries.inc();
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.kick(destination);
    }, delay);
    lane.timer.unref();
  }

  private async send(
    destination: string,
    kind: OutboxKind,
    entries: OutboxEntry[],
  ): Promise<
    | { ok: true; results: ItemResult[] }
    | { ok: false; permanent: boolean; retryAfterMs?: number; detail?: string }
  > {
    // A notify entry whose message retention already deleted is not sent: it is owed to no one any more, and
    // settled with the others (a run is settled oldest first, so it cannot be settled apart).
    const sent = kind === 'notify' ? entries.filter((e) => e.message) : entries;
    const items = sent.map((entry) =>
      kind === 'notify'
        ? notifyItem(this.config.domain, entry)
        : JSON.parse(new TextDecoder().decode(entry.body ?? new Uint8Array())),
    );
    // The transaction id names the items: a retry of the same entries is the same transaction.
    const [first, last] = [entries[0]!, entries.at(-1)!];
    const txn = `${first.id}.${first.seq ?? 0}-${last.id}.${last.seq ?? 0}-${first.createdAt}`;
    // The hub hands a group commit's messages over before the disk has flushed it: the transaction is signed
    // meanwhile and leaves once everything committed so far is on the disk.
    const result = await this.client.post<{ results?: ItemResult[] }>(
      destination,
      ENDPOINT[kind],
      { txn, items },
      this.storage.flushed(),
    );
    if (!result.ok) return { ok: false, permanent: result.reason === 'unknownPeer', detail: result.reason };
    if (result.status === 200 && Array.isArray(result.body?.results)) {
      const answers = result.body.results;
      if (sent.length === entries.length) return { ok: true, results: answers };
      let next = 0;
      return {
        ok: true,
        results: entries.map((e) =>
          e.message ? (answers[next++] ?? { ok: false, code: 'missing' }) : { ok: true },
        ),
      };
    }
    const transient =
      result.status >= 500 || result.status === 429 || result.status === 401 || result.status === 408;
    // A peer that asks us to wait (429, 503) is not asked again sooner, even past the backoff's cap: it only
    // delays what is owed to it, and never past the give-up deadline (retryDelay).
    const wait = transient && result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {};
    return { ok: false, permanent: !transient, detail: `status ${result.status}`, ...wait };
  }
}
