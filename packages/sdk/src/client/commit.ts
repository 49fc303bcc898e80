// Sending a commit. The hub takes exactly one commit per epoch; a commit that lost the race is answered 409
// `staleEpoch`, and then the device processes the newer handshakes and rebuilds its commit from the new state.
// `build` is called afresh for every attempt and may decide that nothing is left to do (return undefined).
import { type CommitOutcome, exportGroupInfo, type GroupState } from '@parley/crypto';
import { isTransient, SdkError } from '../errors.js';
import { wipe } from '../util/bytes.js';
import { sleep } from '../util/mutex.js';
import { adoptOwnCommit } from './membership.js';
import { requireGroup, type Session } from './session.js';

export type BuildCommit = (state: GroupState) => Promise<CommitOutcome | undefined>;

/** Runs `attempt` (under the room lock) until it is not refused as `staleEpoch`, catching up in between. */
export async function withEpochRetry<T>(s: Session, room: string, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await s.locks.run(room, attempt);
    } catch (error) {
      if (!(error instanceof SdkError && error.code === 'staleEpoch')) throw error;
      if (tries >= s.tuning.commitAttempts)
        throw new SdkError(
          'commitConflict',
          `room ${room}: gave up after ${tries} conflicting commits`,
          409,
          {
            cause: error,
          },
        );
      await s.catchUp(room);
      await sleep(Math.random() * 50 * tries);
    }
  }
}

/**
 * Builds a commit from the room's current state and sends it with the GroupInfo of the epoch it starts (and the
 * Welcome, if it adds devices). Returns the accepted sequence number, or undefined when `build` found nothing to
 * do. Secrets of the old epoch are wiped only once the hub has accepted the commit.
 *
 * @example
 * await commitToRoom(session, room, (state) => removeMembers(session.ctx, state, [3]));
 */
export function commitToRoom(s: Session, room: string, build: BuildCommit): Promise<number | undefined> {
  return withEpochRetry(s, room, async () => {
    const before = await requireGroup(s, room);
    const out = await build(before);
    if (!out) return undefined;
    const groupInfo = await exportGroupInfo(s.ctx, out.state);
    s.pendingCommits.set(room, { commit: out.commit, before, state: out.state });
    let seq: number;
    try {
      seq = (await s.api.submitCommit(room, { commit: out.commit, groupInfo, welcome: out.welcome })).seq;
    } catch (error) {
      // Without an answer the commit may still have landed: its echo will tell (see receive.ts).
      if (!isTransient(error)) s.pendingCommits.delete(room);
      throw error;
    }
    s.pendingCommits.delete(room);
    await adoptOwnCommit(s, room, before, out.state, seq);
    wipe(out.wipe);
    return seq;
  });
}
