// Being online: the start-up sequence, the stream feeding the receive path, the periodic device check, and the
// follow-up work the receive path asks for.
import { Stream, type WebSocketFactory } from '../transport/stream.js';
import { joinOwnRooms, reconcileOwnDevices } from './devices.js';
import { topUpKeyPackages } from './keyPackages.js';
import { catchUpRoom, ingest, syncAll } from './receive.js';
import { proposeLeave } from './rooms.js';
import { settleProposals } from './send.js';
import type { FollowUp, Session } from './session.js';

/**
 * The handler of the receive path's follow-ups: each runs as background work of the session; a room that
 * failed for a passing reason is fetched again after a second (once, however often it is asked for meanwhile).
 *
 * @example
 * session.followUp = followUps(session);
 */
export function followUps(s: Session): (work: FollowUp) => void {
  const retrying = new Set<string>();
  return (work) => {
    switch (work.type) {
      case 'commitPending':
        s.background(() => settleProposals(s, work.room));
        return;
      case 'reproposeLeave':
        s.background(() => proposeLeave(s, work.room));
        return;
      case 'topUpKeyPackages':
        s.background(() => topUpKeyPackages(s));
        return;
      case 'retryRoom':
        if (retrying.has(work.room)) return;
        retrying.add(work.room);
        setTimeout(() => {
          retrying.delete(work.room);
          s.background(() => catchUpRoom(s, work.room));
        }, 1000);
    }
  };
}

/**
 * Goes online: tops up KeyPackages, catches up over HTTP, joins this user's rooms this device is not in yet,
 * brings the user's devices in line where this device is the one to, then opens the stream (when there is a
 * WebSocket class) and starts the periodic device check. Returns the function that stops it all.
 *
 * @example
 * const stop = await goOnline(session, { WebSocket });
 */
export async function goOnline(
  s: Session,
  options: { WebSocket?: WebSocketFactory | undefined; deviceCheckIntervalMs?: number | undefined },
): Promise<() => void> {
  await topUpKeyPackages(s);
  await syncAll(s);
  await joinOwnRooms(s);
  await reconcileOwnDevices(s);
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
  if (WebSocket) {
    let connected = false;
    const stream = new Stream({
      server: s.account.server,
      WebSocket,
      token: () => s.account.token,
      since: async () => Object.fromEntries(s.positions),
      onFrame: (frame) => {
        if (frame.type !== 'message') return;
        const { type: _, ...message } = frame;
        ingest(s, [message]).catch((error) => s.events.emit({ type: 'error', error }));
      },
      // A submit answered in place of its message: that message, in its place, for the receive path.
      onOwnMessage: (own) => {
        const message = { ...own, kind: 'application' as const, sender: s.me.address, device: s.me.deviceId };
        ingest(s, [message]).catch((error) => s.events.emit({ type: 'error', error }));
      },
      // After a reconnection (the first connection follows the check just made).
      onReady: () => {
        if (connected) s.background(() => reconcileOwnDevices(s));
        connected = true;
      },
      onError: (error) => s.events.emit({ type: 'error', error }),
    });
    s.stream = stream;
    await stream.connect();
  }
  const every = options.deviceCheckIntervalMs ?? 60_000;
  const timer = every > 0 ? setInterval(() => s.background(() => reconcileOwnDevices(s)), every) : undefined;
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return () => {
    clearInterval(timer);
    s.stream?.close();
  };
}
