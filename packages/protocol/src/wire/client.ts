/**
 * Schemas of the client API (device ↔ its own provider). The server validates every request against these at
 * the edge; clients may use the same types. Payloads are opaque to the server and travel as base64.
 */
import { type Static, Type } from 'typebox';
import { HANDLE_MAX, HANDLE_MIN } from '../handle.js';
import { ID_PATTERN } from '../ids.js';

/** Largest opaque payload a device may submit (decoded bytes). Attachments travel out of band. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Largest KeyPackage, decoded. */
export const MAX_KEY_PACKAGE_BYTES = 16 * 1024;
/** KeyPackages per upload. */
export const MAX_KEY_PACKAGE_BATCH = 100;
/** Members named in one create or add. */
export const MAX_MEMBERS_PER_REQUEST = 100;
/** Largest MLS GroupInfo (it carries the ratchet tree) or handshake message, decoded. */
export const MAX_HANDSHAKE_BYTES = 1024 * 1024;
/** Upper bound of `limit` in catch-up reads. */
export const MAX_PAGE = 1000;

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

export const Base64 = (maxBytes: number) =>
  Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: base64Length(maxBytes) });

export const Handle = Type.String({ minLength: HANDLE_MIN, maxLength: HANDLE_MAX });
/** A handle on this provider or an address `name@domain`. */
export const UserRef = Type.String({ minLength: 1, maxLength: 300 });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const DeviceName = Type.String({ minLength: 1, maxLength: 64 });
export const Id = Type.String({ pattern: ID_PATTERN });
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const ClientId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });

export const Credentials = Type.Object(
  { handle: Handle, password: Password, deviceName: Type.Optional(DeviceName) },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;

export const Session = Type.Object({
  user: Type.String(),
  deviceId: Type.String(),
  token: Type.String(),
});
export type Session = Static<typeof Session>;

export const DeviceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.Integer(),
  lastSeenAt: Type.Union([Type.Integer(), Type.Null()]),
  current: Type.Boolean(),
});
export type DeviceView = Static<typeof DeviceView>;

export const RenameDevice = Type.Object({ name: DeviceName }, { additionalProperties: false });

export const DeviceParams = Type.Object({ deviceId: Id });
export const RoomParams = Type.Object({ roomId: Id });
export const MemberParams = Type.Object({ roomId: Id, member: UserRef });

export const CreateRoom = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('direct'), Type.Literal('group')])),
    /** Members of a plain room; an encrypted room starts with its creator alone and grows by commits. */
    members: Type.Array(UserRef, { maxItems: MAX_MEMBERS_PER_REQUEST }),
    /** The MLS GroupInfo (with ratchet tree) of the creator's new group at epoch 0: makes the room encrypted. */
    groupInfo: Type.Optional(Base64(MAX_HANDSHAKE_BYTES)),
  },
  { additionalProperties: false },
);
export type CreateRoom = Static<typeof CreateRoom>;

/** A commit to an encrypted room, the GroupInfo of the epoch it starts, and the Welcome for added devices. */
export const SubmitCommit = Type.Object(
  {
    commit: Base64(MAX_HANDSHAKE_BYTES),
    groupInfo: Base64(MAX_HANDSHAKE_BYTES),
    welcome: Type.Optional(Base64(MAX_HANDSHAKE_BYTES)),
  },
  { additionalProperties: false },
);
export type SubmitCommit = Static<typeof SubmitCommit>;

export const SubmitProposal = Type.Object(
  { proposal: Base64(MAX_HANDSHAKE_BYTES) },
  { additionalProperties: false },
);
export type SubmitProposal = Static<typeof SubmitProposal>;

export const GroupInfoView = Type.Object({
  room: Type.String(),
  epoch: Type.Integer(),
  groupInfo: Type.String(),
});
export type GroupInfoView = Static<typeof GroupInfoView>;

export const AddMembers = Type.Object(
  { members: Type.Array(UserRef, { minItems: 1, maxItems: MAX_MEMBERS_PER_REQUEST }) },
  { additionalProperties: false },
);

export const RoomView = Type.Object({
  id: Type.String(),
  uri: Type.String(),
  hub: Type.String(),
  kind: Type.String(),
  creator: Type.String(),
  members: Type.Array(Type.Object({ user: Type.String(), role: Type.String() })),
  lastSeq: Type.Integer(),
  createdAt: Type.Integer(),
  encrypted: Type.Boolean(),
  epoch: Type.Integer(),
});
export type RoomView = Static<typeof RoomView>;

export const Submit = Type.Object(
  { payload: Base64(MAX_PAYLOAD_BYTES), clientId: Type.Optional(ClientId) },
  { additionalProperties: false },
);
export type Submit = Static<typeof Submit>;

export const Submitted = Type.Object({
  room: Type.String(),
  seq: Type.Integer(),
  ts: Type.Integer(),
  duplicate: Type.Boolean(),
});
export type Submitted = Static<typeof Submitted>;

/** What a room message is: an opaque application payload, an MLS handshake, or a Welcome for one device. */
export const MessageKind = Type.Union([
  Type.Literal('application'),
  Type.Literal('commit'),
  Type.Literal('proposal'),
  Type.Literal('welcome'),
]);
export type MessageKind = Static<typeof MessageKind>;

export const MessageView = Type.Object({
  room: Type.String(),
  seq: Type.Integer(),
  kind: MessageKind,
  sender: Type.String(),
  device: Type.String(),
  ts: Type.Integer(),
  payload: Type.String(),
});
export type MessageView = Static<typeof MessageView>;

export const Page = Type.Object({
  after: Type.Optional(Seq),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
});

/** Catch-up across every room: `since` gives the client's own positions; absent rooms use the acked cursor. */
export const Sync = Type.Object(
  {
    since: Type.Optional(Type.Record(Type.String({ pattern: ID_PATTERN }), Seq, { maxProperties: 10_000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  },
  { additionalProperties: false },
);
export type Sync = Static<typeof Sync>;

export const Acks = Type.Object(
  {
    acks: Type.Array(Type.Object({ room: Id, seq: Seq }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_PAGE,
    }),
  },
  { additionalProperties: false },
);
export type Acks = Static<typeof Acks>;

export const UploadKeyPackages = Type.Object(
  {
    keyPackages: Type.Array(Base64(MAX_KEY_PACKAGE_BYTES), { maxItems: MAX_KEY_PACKAGE_BATCH }),
    lastResort: Type.Optional(Base64(MAX_KEY_PACKAGE_BYTES)),
  },
  { additionalProperties: false },
);
export type UploadKeyPackages = Static<typeof UploadKeyPackages>;

export const KeyPackageCount = Type.Object({ count: Type.Integer(), lastResort: Type.Boolean() });

/** One KeyPackage per device of `user` (only `devices` when given; never the claiming device itself). */
export const ClaimKeyPackages = Type.Object(
  { user: UserRef, devices: Type.Optional(Type.Array(Id, { maxItems: MAX_MEMBERS_PER_REQUEST })) },
  { additionalProperties: false },
);

export const ClaimedKeyPackages = Type.Object({
  user: Type.String(),
  keyPackages: Type.Array(
    Type.Object({ deviceId: Type.String(), keyPackage: Type.String(), lastResort: Type.Boolean() }),
  ),
});
