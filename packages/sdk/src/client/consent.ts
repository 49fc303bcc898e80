// Consent and abuse reports. A first contact from a user of another provider waits as a request: its rooms are
// held back by this user's provider until the user accepts (the rooms then arrive, Welcome first, through the
// stream or `sync`), declines (they are dropped, the sender is not told) or blocks the sender. A report names one
// message by room and sequence number; the provider forwards it to the room's hub.
import { SdkError } from '../errors.js';
import type { ContactRequest, RequestAnswer } from '../transport/api.js';
import { canonicalAddress } from './names.js';
import { targetOf } from './send.js';
import type { Session } from './session.js';

/** Longest report reason the provider takes. */
export const MAX_REPORT_REASON = 1000;

/**
 * The first contacts waiting for this user's answer, as the provider lists them.
 *
 * @example
 * for (const r of await contactRequests(session)) console.log(r.from, r.rooms.length);
 */
export function contactRequests(s: Session): Promise<ContactRequest[]> {
  return s.api.requests();
}

/**
 * Accepts, declines or blocks a user (an address, or a bare handle of this provider); returns the canonical
 * address the answer was given for.
 *
 * @example
 * await answerRequest(session, 'accept', 'alice@a.example');
 */
export async function answerRequest(s: Session, answer: RequestAnswer, user: string): Promise<string> {
  const address = canonicalAddress(user, s.me.domain);
  if (address === s.me.address) throw new SdkError('invalidRequest', `you cannot ${answer} yourself`);
  await s.api.answerRequest(answer, address);
  return address;
}

/**
 * Reports one message (by id, from this device's index) to the provider, which forwards the report to the room's
 * hub. Only the room and the sequence number travel (with the reason): the provider cannot read the message.
 *
 * @example
 * await reportMessage(session, messageId, 'spam');
 */
export async function reportMessage(
  s: Session,
  id: string,
  reason?: string,
): Promise<{ room: string; seq: number }> {
  const target = await targetOf(s, id);
  if (target.sender === s.me.address)
    throw new SdkError('invalidRequest', 'a message of your own cannot be reported');
  if (reason !== undefined && reason.length > MAX_REPORT_REASON)
    throw new SdkError('invalidRequest', `a report reason has at most ${MAX_REPORT_REASON} characters`);
  const at = { room: target.room, seq: target.seq };
  await s.api.report({ ...at, ...(reason ? { reason } : {}) });
  return at;
}
