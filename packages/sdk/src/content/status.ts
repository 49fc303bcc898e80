// The body of a read or delivery receipt: the MessageStatusReport of the MIMI message-status format (first in
// draft-ietf-mimi-content, now draft-mahy-mimi-message-status), content type `application/mimi-message-status`:
//   [ timestamp: uint (ms), statuses: [+ [ messageId: bstr .size 32, status: uint ] ] ]
// This file holds the small deterministic CBOR codec for exactly that shape; anything else is refused.

/** Status codes of the message-status format. */
export const MessageStatuses = {
  unread: 0,
  delivered: 1,
  read: 2,
  expired: 3,
  deleted: 4,
  hidden: 5,
  error: 6,
} as const;
export type MessageStatus = keyof typeof MessageStatuses;

export interface StatusReport {
  timestamp: number;
  statuses: { messageId: Uint8Array; status: MessageStatus }[];
}

/** Receipts name at most this many messages. */
export const MAX_STATUSES = 1000;

function head(major: number, n: number, out: number[]): void {
  const m = major << 5;
  if (n < 24) out.push(m | n);
  else if (n < 0x100) out.push(m | 24, n);
  else if (n < 0x10000) out.push(m | 25, n >> 8, n & 0xff);
  else if (n < 0x1_0000_0000) out.push(m | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  else {
    const hi = Math.floor(n / 0x1_0000_0000);
    const lo = n >>> 0;
    out.push(m | 27, hi >>> 24, (hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff);
    out.push(lo >>> 24, (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff);
  }
}

/**
 * Encodes a status report as deterministic CBOR (1 to 1000 statuses).
 *
 * @example
 * const body = encodeStatusReport({ timestamp: Date.now(), statuses: [{ messageId, status: 'read' }] });
 */
export function encodeStatusReport(report: StatusReport): Uint8Array {
  if (report.statuses.length === 0 || report.statuses.length > MAX_STATUSES)
    throw new RangeError(`a receipt names 1..${MAX_STATUSES} messages`);
  const out: number[] = [];
  head(4, 2, out);
  head(0, report.timestamp, out);
  head(4, report.statuses.length, out);
  for (const { messageId, status } of report.statuses) {
    head(4, 2, out);
    head(2, messageId.length, out);
    out.push(...messageId);
    head(0, MessageStatuses[status], out);
  }
  return new Uint8Array(out);
}

const names = Object.fromEntries(Object.entries(MessageStatuses).map(([k, v]) => [v, k])) as Record<
  number,
  MessageStatus
>;

/**
 * Decodes a status report; undefined for anything but the exact shape (with minimal-length integers), so hostile
 * input never throws.
 *
 * @example
 * const report = decodeStatusReport(part.content);
 * if (report) for (const s of report.statuses) console.log(s.status);
 */
export function decodeStatusReport(bytes: Uint8Array): StatusReport | undefined {
  let at = 0;
  const read = (major: number): number | undefined => {
    const first = bytes[at++];
    if (first === undefined || first >> 5 !== major) return undefined;
    const info = first & 31;
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0 || at + size > bytes.length) return undefined;
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + (bytes[at++] ?? 0);
    const min = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x1_0000_0000;
    return n < min || n > Number.MAX_SAFE_INTEGER ? undefined : n;
  };
  if (read(4) !== 2) return undefined;
  const timestamp = read(0);
  const count = read(4);
  if (timestamp === undefined || count === undefined || count === 0 || count > MAX_STATUSES) return undefined;
  const statuses: StatusReport['statuses'] = [];
  for (let i = 0; i < count; i++) {
    if (read(4) !== 2) return undefined;
    const length = read(2);
    if (length !== 32 || at + length > bytes.length) return undefined;
    const messageId = bytes.slice(at, at + length);
    at += length;
    const code = read(0);
    const status = code === undefined ? undefined : names[code];
    if (status === undefined) return undefined;
    statuses.push({ messageId, status });
  }
  return at === bytes.length ? { timestamp, statuses } : undefined;
}
