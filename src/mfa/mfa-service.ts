/**
 * Second factors (docs/security.md): TOTP, recovery codes and passkeys — managing them, and checking them
 * for the sign-in's second step and for a passwordless passkey sign-in. The sign-in rules
 * themselves (the mfa_token, its 5 tries, the account's lock after 20 wrong codes a day, sessions,
 * `amr`, `login.succeeded`) are the sign-in core's: this feature only says whether a factor is
 * right, and which factors a user has.
 *
 * - Every change needs a re-authentication (the sign-in core: the password, counted towards the
 *   lockout; or a session younger than 10 minutes for password-less accounts). `totp/confirm` and
 *   `POST /passkeys` finish what a re-authenticated set-up started (the pending secret, the
 *   registration challenge) and take no password. An admin's reset of a user's factors needs the
 *   admin's session to be younger than 10 minutes.
 * - A change, its audit events and `users.mfa_enabled` (which the password step reads with the
 *   user, at no extra cost) commit together, under a lock on the user's row so two concurrent
 *   changes cannot leave the flag wrong; other instances drop their cached user after commit.
 * - TOTP secrets are sealed with SECRETS_KEY; a code is accepted once per user (the last used
 *   step is stored, conditionally). Recovery codes are stored as keyed hashes and spent by delete.
 *   Removing the last factor voids the recovery codes.
 * - Code entries count against RATE_LIMIT_CODE_ID per account.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SecondFactorMethod } from '../sign-in/sign-in-methods.js';
import type { SignInService, TokenGrant } from '../sign-in/sign-in-service.js';
import type { SecretBox } from '../security/secret-box.js';
import { sha256 } from '../security/tokens.js';
import { usersErrors } from '../users/users-errors.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { mfaErrors } from './mfa-errors.js';
import type { MfaRepository, PasskeyRecord } from './mfa-repository.js';
import { newRecoveryCodes, normalizeRecoveryCode, type RecoveryCodeHasher } from './recovery-codes.js';
import { matchTotp, newTotpSecret, otpauthUri } from './totp.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON, RelyingParty, WebAuthnChallenges } from './webauthn.js';

export interface MfaServiceDeps {
  db: Db;
  repo: MfaRepository;
  users: UsersService;
  signIn: SignInService;
  audit: AuditService;
  limiter: RateLimiter;
  clock: Clock;
  /** seals TOTP secrets (its own purpose key under SECRETS_KEY) */
  box: SecretBox;
  codeHasher: RecoveryCodeHasher;
  rp: RelyingParty;
  challenges: WebAuthnChallenges;
  /** security notices for every change to the sign-in factors (docs/security.md, docs/operations.md), queued in the change's transaction */
  mail: MailService;
  sessions: SessionsService;
  /** `issuer`: MFA_ISSUER, or PUBLIC_URL's hostname */
  settings: Pick<Config, 'rateLimitCodeId' | 'rateLimitLoginIp'> & { issuer: string };
}

export interface MfaOverview {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: PasskeyRecord[];
}

export interface SecondStepInput {
  mfaToken: string;
  code?: string;
  recoveryCode?: string;
  webauthn?: AuthenticationResponseJSON;
}

/** the changes a notice would be emailed for (docs/security.md) */
type FactorChange = 'mfa.enabled' | 'mfa.disabled' | 'mfa.recovery_codes_generated' | 'mfa.recovery_code_used' | 'passkey.added' | 'passkey.removed' | 'mfa.reset';

const PASSKEY_NAME_DEFAULT = 'Passkey';

export class MfaService {
  constructor(private readonly d: MfaServiceDeps) {}

  /** docs/security.md `methods`: only what the user has; `recovery_code` while codes are left */
  async methodsFor(userId: string): Promise<SecondFactorMethod[]> {
    const s = await this.d.repo.summary(this.d.db, userId);
    const methods: SecondFactorMethod[] = [];
    if (s.totp) methods.push('totp');
    if (s.recoveryCodesLeft > 0) methods.push('recovery_code');
    if (s.passkeys > 0) methods.push('webauthn');
    return methods;
  }

  /** the methods that can finish the second step an mfa_token stands for (401/429 as the step itself) */
  async methodsForSecondStep(mfaToken: string): Promise<SecondFactorMethod[]> {
    return this.methodsFor((await this.d.signIn.readSecondStep(mfaToken)).userId);
  }

  async overview(userId: string): Promise<MfaOverview> {
    const [s, passkeys] = await Promise.all([this.d.repo.summary(this.d.db, userId), this.d.repo.listPasskeys(this.d.db, userId)]);
    return { totp: s.totp, recoveryCodesLeft: s.recoveryCodesLeft, passkeys };
  }

  // ---- TOTP -------------------------------------------------------------------------------

  /** a new secret awaiting its confirming code (replaces an unconfirmed one); nothing is on yet */
  async setupTotp(ctx: RequestContext, principal: Principal, password: string | undefined): Promise<{ secret: string; otpauthUri: string }> {
    const user = await this.d.signIn.reauthenticate(ctx, principal, { password, what: 'change how you sign in' });
    const secret = newTotpSecret();
    await this.d.repo.setPendingTotp(this.d.db, user.id, this.d.box.seal(secret), this.#now());
    return { secret, otpauthUri: otpauthUri(this.d.settings.issuer, user.email ?? user.username ?? user.id, secret) };
  }

  /** turns TOTP on with a code of the pending secret (that code counts as used); a fresh set of recovery codes */
  async confirmTotp(ctx: RequestContext, principal: Principal, code: string): Promise<string[]> {
    const userId = principal.userId;
    await this.#countCode(userId);
    const totp = await this.d.repo.findTotp(this.d.db, userId);
    if (!totp?.pendingSecretEnc) throw mfaErrors.invalidCode();
    const step = matchTotp(this.d.box.open(totp.pendingSecretEnc), code, this.d.clock.now(), null);
    if (step === null) throw mfaErrors.invalidCode();
    const codes = newRecoveryCodes();
    await this.#change(ctx, userId, async (tx) => {
      if (!(await this.d.repo.confirmTotp(tx, userId, totp.pendingSecretEnc!, step, this.#now()))) throw mfaErrors.invalidCode();
      await this.d.repo.replaceRecoveryCodes(tx, userId, codes.map((c) => this.d.codeHasher.hash(c)), this.#now());
      await this.#record(tx, ctx, { type: 'mfa.enabled', userId, data: { method: 'totp' } });
      await this.#record(tx, ctx, { type: 'mfa.recovery_codes_generated', userId, data: { count: codes.length } }, false);
    });
    return codes;
  }

  /** turns TOTP off, with a current TOTP code or a recovery code; 409 when it is off */
  async disableTotp(ctx: RequestContext, principal: Principal, input: { password?: string; code: string }): Promise<void> {
    const user = await this.d.signIn.reauthenticate(ctx, principal, { password: input.password, what: 'change how you sign in' });
    const totp = await this.d.repo.findTotp(this.d.db, user.id);
    if (!totp?.secretEnc) throw mfaErrors.notEnabled('TOTP is not on for this account.');
    await this.#countCode(user.id);
    const factor = (await this.#checkTotp(user.id, input.code)) ? 'totp' : (await this.#spendRecoveryCode(ctx, user.id, input.code)) ? 'recovery_code' : null;
    if (!factor) throw mfaErrors.invalidCode();
    await this.#change(ctx, user.id, async (tx) => {
      await this.d.repo.deleteTotp(tx, user.id);
      await this.#record(tx, ctx, { type: 'mfa.disabled', userId: user.id, data: { method: 'totp', confirmed_with: factor } });
    });
  }

  // ---- recovery codes ---------------------------------------------------------------------

  /** a fresh set (the old one is void); 409 when the user has no MFA */
  async regenerateRecoveryCodes(ctx: RequestContext, principal: Principal, password: string | undefined): Promise<string[]> {
    await this.d.signIn.reauthenticate(ctx, principal, { password, what: 'change how you sign in' });
    const codes = newRecoveryCodes();
    await this.#change(ctx, principal.userId, async (tx, user) => {
      if (!user.mfaEnabled) throw mfaErrors.notEnabled();
      await this.d.repo.replaceRecoveryCodes(tx, user.id, codes.map((c) => this.d.codeHasher.hash(c)), this.#now());
      await this.#record(tx, ctx, { type: 'mfa.recovery_codes_generated', userId: user.id, data: { count: codes.length } });
    });
    return codes;
  }

  // ---- passkeys ---------------------------------------------------------------------------

  /** WebAuthn creation options; the challenge waits (single use, 5 minutes) for POST /passkeys */
  async passkeyRegistrationOptions(ctx: RequestContext, principal: Principal, password: string | undefined) {
    const user = await this.d.signIn.reauthenticate(ctx, principal, { password, what: 'change how you sign in' });
    const existing = await this.d.repo.listPasskeys(this.d.db, user.id);
    const account = user.email ?? user.username ?? user.id;
    const options = await this.d.rp.registrationOptions({ handle: userHandle(user.id), name: account, displayName: user.name ?? account }, existing);
    await this.d.challenges.put(`register:${user.id}`, options.challenge);
    return options;
  }

  /** registers the passkey the browser made; a fresh set of recovery codes when this turned MFA on */
  async addPasskey(ctx: RequestContext, principal: Principal, input: { name?: string | null; response: RegistrationResponseJSON }): Promise<{ passkey: PasskeyRecord; recoveryCodes: string[] | null }> {
    const userId = principal.userId;
    const challenge = await this.d.challenges.take(`register:${userId}`);
    if (!challenge) throw mfaErrors.invalidRegistration('no passkey registration is in progress (or it expired): ask for new options');
    const credential = await this.d.rp.verifyRegistration(input.response, challenge);
    if (!credential) throw mfaErrors.invalidRegistration('does not verify');
    const passkey: PasskeyRecord = {
      id: randomUUID(),
      userId,
      credentialId: credential.credentialId,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports,
      name: input.name?.trim() || PASSKEY_NAME_DEFAULT,
      createdAt: this.#now(),
      lastUsedAt: null,
    };
    let recoveryCodes: string[] | null = null;
    await this.#change(ctx, userId, async (tx, user) => {
      if (!(await this.d.repo.insertPasskey(tx, passkey))) throw mfaErrors.invalidRegistration('this passkey is registered already');
      await this.#record(tx, ctx, { type: 'passkey.added', userId, data: { passkey_id: passkey.id, name: passkey.name } });
      if (!user.mfaEnabled) {
        recoveryCodes = newRecoveryCodes();
        await this.d.repo.replaceRecoveryCodes(tx, userId, recoveryCodes.map((c) => this.d.codeHasher.hash(c)), this.#now());
        await this.#record(tx, ctx, { type: 'mfa.enabled', userId, data: { method: 'webauthn' } });
        await this.#record(tx, ctx, { type: 'mfa.recovery_codes_generated', userId, data: { count: recoveryCodes.length } }, false);
      }
    });
    return { passkey, recoveryCodes };
  }

  /** removes one of the user's passkeys (404 for anyone else's) */
  async removePasskey(ctx: RequestContext, principal: Principal, passkeyId: string, password: string | undefined): Promise<void> {
    await this.d.signIn.reauthenticate(ctx, principal, { password, what: 'change how you sign in' });
    await this.#change(ctx, principal.userId, async (tx, user) => {
      if (!(await this.d.repo.deletePasskey(tx, user.id, passkeyId))) throw mfaErrors.passkeyNotFound();
      await this.#record(tx, ctx, { type: 'passkey.removed', userId: user.id, data: { passkey_id: passkeyId } });
    });
  }

  // ---- admin ------------------------------------------------------------------------------

  /**
   * POST /admin/users/{id}/mfa/reset: every factor and recovery code goes (a user who lost them
   * all). It hands the account to whoever has its password: the admin's session must be fresh.
   */
  async reset(ctx: RequestContext, admin: Principal, userId: string): Promise<void> {
    await this.d.signIn.requireFreshForAdminChange(admin, userId, { mfaReset: true });
    await this.#change(ctx, userId, async (tx) => {
      const removed = await this.d.repo.deleteAll(tx, userId);
      await this.#record(tx, ctx, { type: 'mfa.reset', userId, data: { totp: removed.totp > 0, passkeys: removed.passkeys, recovery_codes: removed.codes } });
    });
  }

  // ---- sign-in ----------------------------------------------------------------------------

  /** POST /login/mfa: the second step with exactly one of a TOTP code, a recovery code or a passkey assertion */
  async completeSignIn(ctx: RequestContext, input: SecondStepInput): Promise<TokenGrant> {
    const given = [input.code, input.recoveryCode, input.webauthn].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw commonErrors.validation([{ field: 'code', message: 'give exactly one of code, recovery_code and webauthn' }]);
    }
    return this.d.signIn.finishSecondStep(ctx, input.mfaToken, async (userId): Promise<SecondFactorMethod | null> => {
      if (input.code !== undefined) return (await this.#checkTotp(userId, input.code)) ? 'totp' : null;
      if (input.recoveryCode !== undefined) return (await this.#spendRecoveryCode(ctx, userId, input.recoveryCode)) ? 'recovery_code' : null;
      return (await this.#checkPasskey(userId, input.webauthn!, `second-step:${sha256(input.mfaToken)}`, false)) ? 'webauthn' : null;
    });
  }

  /** POST /login/mfa/options: request options for the user's passkeys, bound to this mfa_token */
  async secondStepOptions(mfaToken: string) {
    const pending = await this.d.signIn.readSecondStep(mfaToken);
    const passkeys = await this.d.repo.listPasskeys(this.d.db, pending.userId);
    const options = await this.d.rp.authenticationOptions(passkeys, false);
    await this.d.challenges.put(`second-step:${sha256(mfaToken)}`, options.challenge);
    return options;
  }

  /** POST /login/passkey/options: a challenge for a discoverable passkey, no user named */
  async passwordlessOptions() {
    const challengeId = randomUUID();
    const options = await this.d.rp.authenticationOptions([], true);
    await this.d.challenges.put(`passwordless:${challengeId}`, options.challenge);
    return { challengeId, options };
  }

  /** POST /login/passkey: a passkey with user verification is a whole sign-in (amr hwk + user) */
  async signInWithPasskey(ctx: RequestContext, challengeId: string, response: AuthenticationResponseJSON): Promise<TokenGrant> {
    await this.d.limiter.hit('login-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitLoginIp);
    const passkey = await this.d.repo.findPasskeyByCredentialId(this.d.db, response.id);
    const userId = await this.#checkPasskey(passkey?.userId ?? null, response, `passwordless:${challengeId}`, true);
    if (!userId) return this.d.signIn.refusePasskey(ctx, passkey?.userId ?? null);
    return this.d.signIn.signInWithPasskey(ctx, userId);
  }

  // ---- internals --------------------------------------------------------------------------

  async #countCode(userId: string): Promise<void> {
    await this.d.limiter.hit('code-id', userId, this.d.settings.rateLimitCodeId);
  }

  /** a TOTP code of the user's secret, for a step after the last accepted one; recorded as used */
  async #checkTotp(userId: string, code: string): Promise<boolean> {
    const totp = await this.d.repo.findTotp(this.d.db, userId);
    if (!totp?.secretEnc) return false;
    const step = matchTotp(this.d.box.open(totp.secretEnc), code.trim(), this.d.clock.now(), totp.lastStep);
    return step !== null && (await this.d.repo.acceptTotpStep(this.d.db, userId, step));
  }

  /** spends one of the user's recovery codes (audited, with the codes left) */
  async #spendRecoveryCode(ctx: RequestContext, userId: string, input: string): Promise<boolean> {
    const code = normalizeRecoveryCode(input);
    if (!code || !(await this.d.repo.useRecoveryCode(this.d.db, userId, this.d.codeHasher.hash(code)))) return false;
    const left = (await this.d.repo.summary(this.d.db, userId)).recoveryCodesLeft;
    await this.d.audit.recordAlone({ ...ctx, actorId: ctx.actorId ?? userId }, { type: 'mfa.recovery_code_used', userId, data: { left } });
    await this.#queueNotice(this.d.db, ctx, userId, 'mfa.recovery_code_used', { left });
    return true;
  }

  /**
   * A passkey assertion against the challenge stored under `challengeKey` (spent either way), by a
   * credential of `userId` (null: whoever's it is — the passwordless sign-in). Returns the
   * credential's user, or null. The signature counter must grow (when the authenticator keeps one).
   */
  async #checkPasskey(userId: string | null, response: AuthenticationResponseJSON, challengeKey: string, requireUserVerification: boolean): Promise<string | null> {
    const challenge = await this.d.challenges.take(challengeKey);
    if (!challenge || typeof response?.id !== 'string') return null;
    const passkey = await this.d.repo.findPasskeyByCredentialId(this.d.db, response.id);
    if (!passkey || (userId !== null && passkey.userId !== userId)) return null;
    // a discoverable credential names its user: it must be the one the credential was made for
    const handle = response.response?.userHandle;
    if (handle && handle !== Buffer.from(userHandle(passkey.userId)).toString('base64url')) return null;
    const verified = await this.d.rp.verifyAuthentication(response, challenge, passkey, requireUserVerification);
    if (!verified) return null;
    if (!(await this.d.repo.recordPasskeyUse(this.d.db, passkey.id, verified.newCounter, passkey.counter, this.#now()))) return null;
    return passkey.userId;
  }

  /**
   * One change to the user's factors: in a transaction holding the user's row, then
   * `users.mfa_enabled` recomputed from what is left (the last factor gone voids the recovery
   * codes), and after commit every instance told to drop its cached user.
   */
  async #change(ctx: RequestContext, userId: string, work: (tx: Executor, user: UserRecord) => Promise<void>): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const user = await this.d.users.lockForUpdate(tx, userId);
      if (!user) throw usersErrors.notFound();
      await work(tx, user);
      const left = await this.d.repo.summary(tx, userId);
      const enabled = left.totp || left.passkeys > 0;
      if (!enabled && left.recoveryCodesLeft > 0) await this.d.repo.replaceRecoveryCodes(tx, userId, [], this.#now());
      if (enabled !== user.mfaEnabled) {
        await this.d.users.setMfaEnabled(tx, userId, enabled);
        // TOTP off with a passkey left is not MFA off; the last passkey gone is
        if (!enabled && !left.totp) await this.#record(tx, ctx, { type: 'mfa.disabled', userId, data: { method: 'all', reason: 'last_factor_removed' } }, false);
      }
    });
    await this.d.users.announceChanged(userId);
  }

  /** the audit event of a change, and its notice */
  async #record(tx: Executor, ctx: RequestContext, event: AuditEventInput & { type: FactorChange }, notify = true): Promise<void> {
    await this.d.audit.record(tx, ctx, event);
    if (notify) await this.#queueNotice(tx, ctx, event.userId!, event.type);
  }

  /**
   * The one place a change to the user's sign-in factors queues its email notice (docs/security.md, docs/operations.md),
   * in the change's own transaction: what changed, and from where (IP, device, location). Turning a
   * factor on notifies once (not again for the recovery codes that come with it). Accounts without
   * an address get none.
   */
  async #queueNotice(tx: Executor, ctx: RequestContext, userId: string, change: FactorChange, extra: { left?: number } = {}): Promise<void> {
    const user = await this.d.users.findById(tx, userId);
    if (!user?.email) return;
    await this.d.mail.enqueue(tx, {
      template: 'sign_in_methods_changed',
      to: user.email,
      userId,
      data: { change: { event: change, ...(extra.left === undefined ? {} : { left: extra.left }) }, ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) },
    });
  }

  #now(): Date {
    return new Date(this.d.clock.now());
  }

  /**
   * `gatehouse secrets rekey`: re-seals under the current SECRETS_KEY every TOTP secret (confirmed
   * or awaiting confirmation) sealed under SECRETS_KEY_PREVIOUS; the count re-sealed.
   */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.d.repo.listSealedTotp(this.d.db)) {
      for (const column of ['secret_enc', 'pending_secret_enc'] as const) {
        const sealed = column === 'secret_enc' ? row.secretEnc : row.pendingSecretEnc;
        const resealed = sealed === null ? null : this.d.box.reseal(sealed);
        if (sealed !== null && resealed !== null && (await this.d.repo.replaceSealedTotp(this.d.db, row.userId, column, sealed, resealed))) count++;
      }
    }
    return count;
  }
}

/** the WebAuthn user handle of a user (no personal data: the account id) */
function userHandle(userId: string): Uint8Array {
  return new Uint8Array(Buffer.from(userId, 'utf8'));
}
