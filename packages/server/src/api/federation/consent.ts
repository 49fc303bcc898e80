// POST /federation/v1/keyMaterial, /requestConsent, /updateConsent, /reportAbuse, /proxyDownload — what a user of
// another provider may ask of ours, under our users' consent, and the encrypted attachments our users uploaded.
import { Type } from 'typebox';
import { tooMany } from '../../context.js';
import { ApiError } from '../../errors.js';
import { Txn } from '../../federation/wire.js';
import { type FederatedRoute, uriDomain } from './inbound.js';

const Uri = Type.String({ minLength: 1, maxLength: 400 });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const federatedConsent: FederatedRoute = (scope, ctx) => {
  /** Our user named by a URI of this provider, or 404. */
  const local = (uri: string) => {
    const key = ctx.remote.memberKey(uri);
    if (key === undefined || key.includes('@'))
      throw new ApiError('noSuchUser', 'There is no such user here.');
    return key;
  };
  const limit = (sender: string) => {
    const taken = ctx.limits.sender.take(sender);
    if (!taken.ok) throw tooMany(taken.retryAfterMs);
  };

  scope.post(
    '/keyMaterial',
    {
      schema: {
        body: Type.Object(
          { requester: Uri, user: Uri, devices: Type.Optional(Type.Array(Id, { maxItems: 100 })) },
          { additionalProperties: false },
        ),
      },
      config: { senders: ['requester'] },
    },
    async (request) => {
      const body = request.body as { requester: string; user: string; devices?: string[] };
      limit(body.requester);
      const handle = local(body.user);
      if (!(await ctx.storage.accounts.getUser(handle)))
        throw new ApiError('noSuchUser', 'There is no such user here.');
      const requester = ctx.remote.memberKey(body.requester)!;
      // A blocked requester is answered like anyone whose one-time stock ran out: the last-resort packages only.
      // The room it makes looks no different; it spends none of the user's stock; nothing it sends is delivered.
      const consent = await ctx.storage.federation.consent(handle, requester);
      const claimed = await ctx.storage.keyPackages.claim(handle, {
        devices: body.devices,
        lastResortOnly: consent === 'blocked',
      });
      return {
        user: body.user,
        keyPackages: claimed.map((k) => ({
          deviceId: k.deviceId,
          keyPackage: Buffer.from(k.keyPackage).toString('base64'),
          lastResort: k.lastResort,
        })),
      };
    },
  );

  scope.post(
    '/requestConsent',
    {
      schema: { body: Type.Object({ requester: Uri, target: Uri }, { additionalProperties: false }) },
      config: { senders: ['requester'] },
    },
    async (request) => {
      const body = request.body as { requester: string; target: string };
      limit(body.requester);
      const handle = local(body.target);
      const consent = await ctx.storage.federation.consent(handle, ctx.remote.memberKey(body.requester)!);
      // Declined and blocked look alike to the requester: still pending.
      return { state: consent === 'accepted' ? 'granted' : 'pending' };
    },
  );

  scope.post(
    '/updateConsent',
    {
      schema: {
        body: Type.Object(
          {
            txn: Txn,
            items: Type.Array(
              Type.Object(
                { requester: Uri, target: Uri, state: Type.Literal('granted') },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 200 },
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const origin = request.federation!.origin;
      const { items } = request.body as { items: { requester: string; target: string }[] };
      const results = [];
      for (const item of items) {
        const requester = ctx.remote.memberKey(item.requester);
        const target = ctx.remote.memberKey(item.target);
        if (uriDomain(item.target) !== origin || target === undefined) {
          results.push({ ok: false, code: 'foreignSender' });
          continue;
        }
        if (
          requester === undefined ||
          requester.includes('@') ||
          !(await ctx.storage.accounts.getUser(requester))
        ) {
          results.push({ ok: false, code: 'noSuchUser' });
          continue;
        }
        // Only news about a contact our user made: a peer cannot befriend, or unblock, anyone by saying so.
        const current = await ctx.storage.federation.consent(requester, target);
        if (current === undefined && (await ctx.storage.federation.shareRoom(requester, target))) {
          const rooms = await ctx.storage.federation.setConsent(requester, target, 'accepted', ctx.now());
          for (const room of rooms) ctx.hub.membershipChanged(room);
          if (rooms.length > 0) ctx.streams.wake([requester]);
        }
        results.push({ ok: true });
      }
      return { results };
    },
  );

  scope.post(
    '/reportAbuse',
    {
      schema: {
        body: Type.Object(
          {
            txn: Txn,
            items: Type.Array(
              Type.Object(
                {
                  room: Id,
                  seq: Type.Integer({ minimum: 1 }),
                  reporter: Uri,
                  reason: Type.String({ maxLength: 1000 }),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 200 },
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const origin = request.federation!.origin;
      const { items } = request.body as {
        items: { room: string; seq: number; reporter: string; reason: string }[];
      };
      const results = [];
      for (const item of items) {
        const reporter = ctx.remote.memberKey(item.reporter);
        const room = await ctx.storage.rooms.getRoom(item.room);
        if (uriDomain(item.reporter) !== origin || reporter === undefined) {
          results.push({ ok: false, code: 'foreignSender' });
        } else if (!room || room.room.hub !== null) {
          results.push({ ok: false, code: 'noSuchRoom' });
        } else {
          await ctx.storage.federation.report({ ...item, reporter, at: ctx.now() });
          results.push({ ok: true });
        }
      }
      return { results };
    },
  );

  // Attachment ids are unguessable capabilities; the bytes are ciphertext whose key only the room's members hold.
  scope.post(
    '/proxyDownload',
    {
      schema: {
        body: Type.Object(
          { id: Type.String({ pattern: '^[a-z2-7]{26}$' }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const found = await ctx.storage.attachments.get((request.body as { id: string }).id);
      if (!found) throw new ApiError('notFound', 'There is no such attachment.');
      return { data: Buffer.from(found.data).toString('base64') };
    },
  );
};
