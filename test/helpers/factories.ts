import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Problem } from '../../src/http/problem.js';
import { servicesOf } from './build-test-app.js';
import { systemContext } from '../../src/request-context.js';

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
  const created = await servicesOf(app).users.createByAdmin(systemContext, { email, password: PASSWORD, roles });
  const res = await login(app, email);
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { id: created.id, email, username: null, password: PASSWORD, accessToken: body.access_token, refreshToken: body.refresh_token, roles };
}

export function cookieValue(res: LightMyRequestResponse, name = 'refresh_token'): string | null {
  const c = res.cookies.find((x) => x.name === name);
  return c ? c.value : null;
}

// ---------------------------------------------------------------------------------------------
// Helpers for the core auth suites (added; nothing above changed)

/** a password that is never any test user's */
export const WRONG_PASSWORD = 'Wrong-Password-Nope-123';

export const CHROME_MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

/** the keys of docs/api.md's user object, sorted */
export const USER_FIELDS = ['avatar_url', 'created_at', 'disabled', 'email', 'email_verified', 'has_password', 'id', 'mfa', 'name', 'roles', 'updated_at', 'username'];

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GET /api/v1/auth/me with a bearer token */
export function me(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });
}

/** POST /api/v1/auth/refresh; `payload` undefined sends no body at all */
export function refresh(app: FastifyInstance, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
}

/** the caller's sessions as GET /api/v1/auth/sessions lists them (asserts 200) */
export async function sessionsOf(app: FastifyInstance, token: string): Promise<SessionView[]> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(token) });
  if (res.statusCode !== 200) throw new Error(`GET /sessions failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { items: SessionView[] }).items;
}

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  device: { browser: string | null; os: string | null; type: string | null };
  location: { country: string | null; city: string | null } | null;
  current: boolean;
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  user: { id: string; email: string; username: string | null; roles: string[]; has_password: boolean } & Record<string, unknown>;
}

/** signs in and returns the token response (asserts 200) */
export async function signIn(app: FastifyInstance, loginId: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<TokenBody> {
  const res = await login(app, loginId, password, headers);
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json() as TokenBody;
}

/** the RFC 9457 body every error has (the server's own type) */
export type ProblemBody = Problem;

/**
 * Asserts an RFC 9457 problem response (docs/api.md): the status, `application/problem+json`, and a
 * body whose `code`, `status` and `type` (a URI reference ending in the code) agree. Returns the body.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): ProblemBody {
  if (res.statusCode !== status) throw new Error(`expected ${status} ${code}, got ${res.statusCode}: ${res.body}`);
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) throw new Error(`expected application/problem+json, got "${type}": ${res.body}`);
  const body = res.json() as ProblemBody;
  if (body.code !== code || body.status !== status) throw new Error(`expected code ${code} / status ${status} in the body: ${res.body}`);
  if (typeof body.type !== 'string' || !body.type.endsWith(`/${code}`)) throw new Error(`type must end in /${code}: ${res.body}`);
  if (typeof body.title !== 'string' || body.title === '') throw new Error(`title missing: ${res.body}`);
  return body;
}

/** the Set-Cookie of `name` in a response, parsed by light-my-request (undefined when not set) */
export function cookieOf(res: LightMyRequestResponse, name = 'refresh_token') {
  return res.cookies.find((c) => c.name === name);
}

/** true when the response clears the cookie (Max-Age=0 or an Expires in the past) */
export function clearsCookie(res: LightMyRequestResponse, name = 'refresh_token'): boolean {
  const c = cookieOf(res, name);
  if (!c) return false;
  return c.value === '' && (c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now()));
}

/**
 * Polls `check` every `intervalMs` until it holds; throws when `timeoutMs` has passed first.
 * For eventual effects (a lockout window ending, another instance seeing a revocation), never for
 * asserting speed beyond the bound the docs itself sets.
 */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 1000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
