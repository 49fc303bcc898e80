// GET /v1/stream — the device's WebSocket: auth frame first, then live pushes, acks and submits.
import { ClientFrame } from '@parley/protocol';
import type { FastifyRequest } from 'fastify';
import { Compile } from 'typebox/compile';
import type { RawData, WebSocket } from 'ws';
import { decodeBase64, type Route } from '../../context.js';
import { DeviceStream } from '../../delivery/deviceStream.js';
import { ApiError } from '../../errors.js';

const checkFrame = Compile(ClientFrame);

function parse(data: RawData, isBinary: boolean): ClientFrame | undefined {
  if (isBinary) return undefined;
  try {
    const value: unknown = JSON.parse(data.toString());
    return checkFrame.Check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const sendError = (socket: WebSocket, code: string, message: string, ref?: number) =>
  socket.send(JSON.stringify({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }) }));

export const stream: Route = (app, ctx) => {
  // A plain GET (no Upgrade) would get the websocket plugin's bodiless 404; it gets our error shape instead.
  const upgradeOnly = async (request: FastifyRequest) => {
    if (!request.ws)
      throw new ApiError('badRequest', 'GET /v1/stream is a WebSocket: send Upgrade: websocket.');
  };
  app.get('/v1/stream', { websocket: true, preHandler: upgradeOnly }, (socket: WebSocket, request) => {
    let device: DeviceStream | undefined;
    let authenticating = false;
    let timer: NodeJS.Timeout | undefined = setTimeout(
      () => socket.close(4001, 'auth timeout'),
      ctx.config.stream.authTimeoutMs,
    );

    socket.on('pong', () => {
      if (device) device.heard = true;
    });
    socket.on('message', (data, isBinary) => {
      if (device) device.heard = true;
      const frame = parse(data, isBinary);
      if (!frame) return sendError(socket, 'invalidRequest', 'Frames are JSON objects of a known type.');
      if (!device) {
        if (frame.type !== 'auth' || authenticating) {
          return sendError(socket, 'unauthenticated', 'Send an auth frame first.');
        }
        authenticating = true;
        // Only what the stream needs outlives the auth frame: not the frame, and so not the bearer token.
        const since = frame.since;
        ctx.auth
          .fromToken(frame.token)
          .then((principal) => {
            clearTimeout(timer);
            timer = undefined;
            if (!principal) return socket.close(4001, 'invalid token');
            if (socket.readyState !== socket.OPEN) return;
            device = new DeviceStream(
              socket,
              principal.device.id,
              principal.handle,
              ctx.config.domain,
              ctx.storage,
              ctx.metrics,
              (error) => request.log.error({ err: error }, 'stream delivery failed'),
              ctx.streams.acks,
              since,
            );
            ctx.streams.add(device);
            ctx.metrics.connections.inc();
            device.send({
              type: 'ready',
              device: principal.device.id,
              user: `${principal.handle}@${ctx.config.domain}`,
            });
            device.pump();
          })
          .catch((error) => {
            request.log.error({ err: error }, 'stream auth failed');
            socket.close(1011, 'server error');
          });
        return;
      }
      const current = device;
      switch (frame.type) {
        case 'ack':
          current.ack(frame.acks);
          return;
        case 'ping':
          current.send({ type: 'pong' });
          return;
        case 'submit': {
          // Answered in the stream's order when the message is stored (DeviceStream.answer), else here.
          let answered = false;
          ctx.hub
            .submit({
              room: frame.room,
              handle: current.handle,
              deviceId: current.deviceId,
              payload: decodeBase64(frame.payload),
              ...(frame.clientId === undefined ? {} : { clientId: frame.clientId }),
              origin: {
                stream: current,
                answer: (message) => {
                  answered = current.answer(frame.ref, message);
                },
              },
            })
            .then(({ message, duplicate }) => {
              if (!answered) current.submitted(frame.ref, message, duplicate);
            })
            .catch((error: unknown) => {
              if (error instanceof ApiError) return sendError(socket, error.code, error.message, frame.ref);
              request.log.error({ err: error }, 'stream submit failed');
              sendError(socket, 'internal', 'The message was not stored; send it again.', frame.ref);
            });
          return;
        }
        case 'auth':
          return sendError(socket, 'badRequest', 'Already authenticated.');
      }
    });

    socket.on('close', () => {
      clearTimeout(timer);
      if (!device) return;
      ctx.streams.remove(device);
      ctx.metrics.connections.dec();
      device.close().catch((error) => request.log.error({ err: error }, 'stream close failed'));
    });
    // Errors (a bad frame closes the socket with 1009, say) are handled where the websocket plugin is set up.
  });
};
