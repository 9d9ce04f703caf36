/** Small helpers for the admin and audit suites: an admin client over app.inject, and polling. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { bearer } from '../helpers/factories.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Api {
  (method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
}

/** requests under /api/v1 as the holder of `token` (null = anonymous) */
export function api(app: FastifyInstance, token: string | null): Api {
  return (method, url, payload) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: token ? bearer(token) : {},
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
}

/** polls `check` until it holds; throws after `ms` (a deadline, not a fixed sleep) */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 2000): Promise<number> {
  // the monotonic clock: the wall clock can be stepped while a test waits
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function me(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });
}

/** the keys every user object in a response must have, and no others (a whitelist) */
export const USER_KEYS = ['avatar_url', 'created_at', 'disabled', 'email', 'email_verified', 'has_password', 'id', 'mfa', 'name', 'roles', 'updated_at', 'username'];
