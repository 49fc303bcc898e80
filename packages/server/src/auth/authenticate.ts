/**
 * Resolves `Authorization: Bearer <token>` to a device. Lookups are cached briefly; removing a device drops its
 * cache entry at once, so a revoked token stops working on this node immediately.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { DeviceRecord, Storage } from '../storage/types.js';
import { hashToken } from './tokens.js';

const CACHE_MS = 30_000;
const TOUCH_EVERY_MS = 60_000;

export interface Principal {
  device: DeviceRecord;
  handle: string;
  tokenHash: string;
}

export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly touched = new Map<string, number>();
  /** Devices removed lately: a lookup that was already under way must not put one back in the cache. */
  private readonly removed = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {}

  async fromToken(token: string): Promise<Principal | undefined> {
    const tokenHash = hashToken(token);
    const now = this.now();
    const cached = this.cache.get(tokenHash);
    if (cached && cached.until > now) return cached.principal;
    const device = await this.storage.accounts.deviceByTokenHash(tokenHash);
    if (!device || (this.removed.get(device.id) ?? 0) > now) {
      this.cache.delete(tokenHash);
      return undefined;
    }
    const principal = { device, handle: device.handle, tokenHash };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(tokenHash, { principal, until: now + CACHE_MS });
    if ((this.touched.get(device.id) ?? 0) + TOUCH_EVERY_MS < now) {
      if (this.touched.size > 100_000) this.touched.clear();
      this.touched.set(device.id, now);
      // "Last seen" is bookkeeping: written behind the request, never in its way (a commit is an fsync).
      this.storage.accounts.touchDevice(device.id, now).catch(() => this.touched.delete(device.id));
    }
    return principal;
  }

  async fromRequest(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9_\-.~+/=]{1,200})$/.exec(header) : null;
    if (!match)
      throw new ApiError('unauthenticated', 'Sign in first: send Authorization: Bearer <device token>.');
    const principal = await this.fromToken(match[1]!);
    if (!principal)
      throw new ApiError('unauthenticated', 'This device token is not valid (revoked or unknown).');
    return principal;
  }

  forgetDevice(deviceId: string): void {
    const now = this.now();
    for (const [id, until] of this.removed) if (until <= now) this.removed.delete(id);
    this.removed.set(deviceId, now + CACHE_MS);
    for (const [hash, entry] of this.cache)
      if (entry.principal.device.id === deviceId) this.cache.delete(hash);
    this.touched.delete(deviceId);
  }
}
