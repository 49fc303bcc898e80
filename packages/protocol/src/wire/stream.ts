/**
 * Frames of the WebSocket stream `GET /v1/stream`. All frames are JSON text.
 *
 * The first client frame must be `auth`; its `since` lets a client that keeps its own positions resume without
 * duplicates. After `ready` the server pushes every message past those positions, then live ones.
 */
import { type Static, Type } from 'typebox';
import { ID_PATTERN } from '../ids.js';
import { Acks, Base64, ClientId, Id, MAX_PAYLOAD_BYTES, type MessageView, Seq } from './client.js';

export const AuthFrame = Type.Object(
  {
    type: Type.Literal('auth'),
    token: Type.String({ minLength: 1, maxLength: 200 }),
    since: Type.Optional(Type.Record(Type.String({ pattern: ID_PATTERN }), Seq, { maxProperties: 10_000 })),
  },
  { additionalProperties: false },
);

export const AckFrame = Type.Object(
  { type: Type.Literal('ack'), acks: Acks.properties.acks },
  { additionalProperties: false },
);

export const SubmitFrame = Type.Object(
  {
    type: Type.Literal('submit'),
    ref: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    room: Id,
    payload: Base64(MAX_PAYLOAD_BYTES),
    clientId: Type.Optional(ClientId),
  },
  { additionalProperties: false },
);

export const PingFrame = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });

export const ClientFrame = Type.Union([AuthFrame, AckFrame, SubmitFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;

/** Server frames, for clients. */
export type ServerFrame =
  | { type: 'ready'; device: string; user: string }
  | ({ type: 'message' } & MessageView)
  | {
      type: 'submitted';
      ref: number;
      room: string;
      seq: number;
      ts: number;
      duplicate: boolean;
      /** The answer stands for the message in the stream's order: it is not sent back as a `message`. */
      inPlace: boolean;
    }
  | { type: 'pong' }
  | { type: 'error'; ref?: number; code: string; message: string };
