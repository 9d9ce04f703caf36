import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { totpCode } from '../../src/mfa/totp.js';
import type { Clock } from '../../src/clock.js';
import { bearer, login, PASSWORD, type TestUser } from '../helpers/factories.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';

export interface TotpUser extends TestUser {
  secret: string;
  recoveryCodes: string[];
}

export function post(app: FastifyInstance, url: string, token: string | null, payload?: unknown) {
  return app.inject({ method: 'POST', url, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** the claims of a JWT, unverified (the tests verify signatures elsewhere) */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** sets up and confirms TOTP for a signed-in user (the clock then moves past the confirming step) */
export async function enableTotp(app: FastifyInstance, user: TestUser, clock: Clock & { advance(ms: number): void }): Promise<TotpUser> {
  const setup = await post(app, '/api/v1/auth/mfa/totp/setup', user.accessToken, { password: user.password });
  assert.equal(setup.statusCode, 200, setup.body);
  const { secret } = setup.json() as { secret: string };
  const confirm = await post(app, '/api/v1/auth/mfa/totp/confirm', user.accessToken, { code: totpCode(secret, clock.now()) });
  assert.equal(confirm.statusCode, 200, confirm.body);
  clock.advance(30_000);
  return { ...user, secret, recoveryCodes: (confirm.json() as { recovery_codes: string[] }).recovery_codes };
}

/** registers a passkey of `authenticator` for a signed-in user; the 201 body */
export async function addPasskey(app: FastifyInstance, user: TestUser, authenticator: SoftAuthenticator, name?: string) {
  const options = await post(app, '/api/v1/auth/mfa/passkeys/options', user.accessToken, { password: user.password });
  assert.equal(options.statusCode, 200, options.body);
  const response = authenticator.register(options.json());
  const added = await post(app, '/api/v1/auth/mfa/passkeys', user.accessToken, { response, ...(name ? { name } : {}) });
  assert.equal(added.statusCode, 201, added.body);
  return added.json() as { id: string; name: string; created_at: string; recovery_codes: string[] | null };
}

/** the password step for a user with MFA: the mfa_token */
export async function firstStep(app: FastifyInstance, loginId: string, password = PASSWORD): Promise<{ mfa_token: string; methods: string[] }> {
  const res = await login(app, loginId, password);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { mfa_required: boolean; mfa_token: string; methods: string[] };
  assert.equal(body.mfa_required, true, res.body);
  return body;
}
