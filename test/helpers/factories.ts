import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { systemContext } from '../../src/audit/audit-service.js';

/** strong enough for zxcvbn score 3+ */
export const PASSWORD = 'Correct-Horse-Battery-42';
export const OTHER_PASSWORD = 'Stapler-Lagoon-Orbit-77';

export interface TestUser {
  id: string;
  email: string;
  username: string | null;
  password: string;
  accessToken: string;
  refreshToken: string;
  roles: string[];
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(4).toString('hex')}@example.com`;
}

export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return res.json() as T;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function register(
  app: FastifyInstance,
  input: { email?: string; password?: string; username?: string; name?: string } = {},
): Promise<TestUser> {
  const email = input.email ?? uniqueEmail();
  const password = input.password ?? PASSWORD;
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { ...input, email, password } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return {
    id: body.user.id,
    email: body.user.email,
    username: body.user.username,
    password,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    roles: body.user.roles,
  };
}

export async function login(app: FastifyInstance, loginId: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: loginId, password }, headers });
}

/** creates a user with the given roles through the service (as an admin would) and signs them in */
export async function userWithRoles(app: FastifyInstance, roles: string[], tag = 'user'): Promise<TestUser> {
  const email = uniqueEmail(tag);
  const created = await app.services.users.createByAdmin(systemContext, { email, password: PASSWORD, roles });
  const res = await login(app, email);
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { id: created.id, email, username: null, password: PASSWORD, accessToken: body.access_token, refreshToken: body.refresh_token, roles };
}

export function cookieValue(res: LightMyRequestResponse, name = 'refresh_token'): string | null {
  const c = res.cookies.find((x) => x.name === name);
  return c ? c.value : null;
}
