import type { Middleware } from 'oidc-provider';
import { sha256Hex } from './model-adapter.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface PollState {
  last: number;
  intervalMs: number;
  expires: number;
}

/**
 * RFC 8628 §3.5 polling discipline, which oidc-provider leaves to the deployment: the device
 * authorization response announces `interval`, and a device code polled sooner than that gets
 * `slow_down` instead of `authorization_pending`, with its interval raised by 5 s from then on.
 * State lives in memory keyed by the device code's hash: losing it on restart only forgives one poll.
 */
export function devicePolling(intervalSeconds: number, now: () => number = Date.now): Middleware {
  const polls = new Map<string, PollState>();
  const intervalMs = intervalSeconds * 1000;

  function sweep(t: number): void {
    for (const [key, state] of polls) if (state.expires <= t) polls.delete(key);
  }

  return async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200 && isRecord(ctx.body)) {
      ctx.body = { ...ctx.body, interval: intervalSeconds };
      return;
    }
    if (route !== 'token' || ctx.oidc?.params?.grant_type !== DEVICE_CODE_GRANT) return;
    const deviceCode = ctx.oidc.params.device_code;
    if (typeof deviceCode !== 'string' || !isRecord(ctx.body) || ctx.body.error !== 'authorization_pending') return;

    const t = now();
    sweep(t);
    const key = sha256Hex(deviceCode);
    const state = polls.get(key);
    // Device codes live at most ten minutes; keep the state a little longer than that.
    const fresh = { last: t, intervalMs: state?.intervalMs ?? intervalMs, expires: t + 15 * 60_000 };
    if (state && t - state.last < state.intervalMs) {
      fresh.intervalMs = state.intervalMs + 5000;
      ctx.status = 400;
      ctx.body = { error: 'slow_down', error_description: `poll at most every ${fresh.intervalMs / 1000} seconds` };
    }
    polls.set(key, fresh);
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
