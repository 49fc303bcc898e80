// GET /v1/devices, PATCH /v1/devices/:deviceId, DELETE /v1/devices/:deviceId — a user's devices.
import { DeviceParams, type DeviceView, RenameDevice } from '@parley/protocol';
import type { Route } from '../../context.js';
import { ApiError } from '../../errors.js';
import type { DeviceRecord } from '../../storage/types.js';

const view = (d: DeviceRecord, current: string): DeviceView => ({
  id: d.id,
  name: d.name,
  createdAt: d.createdAt,
  lastSeenAt: d.lastSeenAt,
  current: d.id === current,
});

export const devices: Route = (app, ctx) => {
  app.get('/v1/devices', async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const list = await ctx.storage.accounts.listDevices(me.handle);
    return { devices: list.map((d) => view(d, me.device.id)) };
  });

  app.patch(
    '/v1/devices/:deviceId',
    { schema: { params: DeviceParams, body: RenameDevice } },
    async (request) => {
      const me = await ctx.auth.fromRequest(request);
      const { deviceId } = request.params as { deviceId: string };
      const { name } = request.body as { name: string };
      const renamed = await ctx.storage.accounts.renameDevice(me.handle, deviceId, name);
      if (!renamed) throw new ApiError('noSuchDevice', 'You have no device with that id.');
      return { device: view(renamed, me.device.id) };
    },
  );

  app.delete('/v1/devices/:deviceId', { schema: { params: DeviceParams } }, async (request, reply) => {
    const me = await ctx.auth.fromRequest(request);
    const { deviceId } = request.params as { deviceId: string };
    const removed = await ctx.storage.accounts.removeDevice(me.handle, deviceId);
    if (!removed) throw new ApiError('noSuchDevice', 'You have no device with that id.');
    ctx.auth.forgetDevice(deviceId);
    for (const stream of ctx.streams.ofDevice(deviceId)) stream.socket.close(4001, 'device removed');
    request.log.info({ deviceId }, 'device removed');
    return reply.code(204).send();
  });
};
