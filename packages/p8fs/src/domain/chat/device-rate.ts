import type { Actor } from '../actor.js';
import { AppError } from '../errors.js';

/**
 * Requests per key (a device) in a fixed one-minute window. The HTTP auth limiter counts per client
 * address in the transport; chat is limited per device in the service, so the HTTP API, MCP and the
 * CLI share one count. Memory is bounded: the oldest windows go first.
 */
export class DeviceRate {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Count one request; null when allowed, else the seconds until the window opens again. */
  take(key: string): number | null {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      this.windows.delete(key);
      for (const [k, old] of this.windows) {
        if (this.windows.size < this.maxKeys && now - old.start < 60_000) break;
        this.windows.delete(k);
      }
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.perMinute) return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
    w.count++;
    return null;
  }
}

/**
 * One model request by this actor's device (the owner's CLI counts as one device): chat runs and
 * `rem --ask` plans share the count, since both spend the same model. `rate_limited` with the wait.
 */
export function takeModelRequest(rate: DeviceRate, actor: Actor, perMinute: number, what: string): void {
  const wait = rate.take(actor.deviceId ?? `owner:${actor.tenantId}`);
  if (wait !== null) throw new AppError('rate_limited', `this device sent ${perMinute} model requests this minute (${what}); try again in ${wait} s`, { retry_after_seconds: wait });
}
