/**
 * Social sign-in (docs/security.md): the authorize → callback flow, linking rules and the user's identities.
 *
 * - The flow's secrets (state, PKCE verifier, OIDC nonce), where to land afterwards and, when
 *   linking, who asked, travel in one cookie sealed with AES-GCM (a key derived from SECRETS_KEY
 *   for this purpose only), scoped to the provider's callback path, living ten minutes (its expiry
 *   is inside the seal too, checked against our clock). Nothing is stored until the flow succeeds,
 *   so a failed or abandoned flow leaves nothing behind, and any instance can finish any flow.
 * - Linking: an identity (provider, subject) signs into its user. A new identity whose provider
 *   vouches for its email (verified), equal to a user's verified email, is linked to that user —
 *   unless the provider's `link_by_email` is off, or the account has a second factor or holds
 *   `users:admin` (an IdP that claims an admin's address must not sign in as that admin: those
 *   users link from a signed-in session). Otherwise a new password-less user is created. An
 *   address an account already has is never taken: a sign-in that may not link to it is refused
 *   with email_taken.
 * - Linking from a session (mode=link) needs that session to be younger than ten minutes (a stolen
 *   access token must not become a permanent way in), and the session must still be live when the
 *   provider comes back. Every link to an existing account mails its owner a notice naming the
 *   provider, queued in the link's transaction.
 * - The identity's uniqueness is the database's (provider, subject) key: concurrent first sign-ins
 *   with one identity race to insert it, the loser's transaction rolls back (its new user with it)
 *   and retries, finding the winner's link. One user, whoever wins.
 * - An account keeps one way in: unlinking its last identity when it has no password is refused.
 */
import { randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { DomainError } from '../errors.js';
import { safeRedirectPath } from '../http/redirect-target.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import { failureReason, signInMethods } from '../sign-in/sign-in-methods.js';
import { SignInRefused, type SignInService, type TokenGrant } from '../sign-in/sign-in-service.js';
import { normalizeEmail } from '../users/user-fields.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { IdentityTaken, type IdentitiesRepository, type IdentityRecord } from './identities-repository.js';
import { oauthErrors, OAuthFailure } from './social-errors.js';
import type { ProviderClient, ProviderProfile } from './provider-client.js';
import type { ProvidersService, ResolvedProvider } from './providers-service.js';

export const FLOW_TTL_SECONDS = 600;
const DEFAULT_LANDING = '/dashboard';
const ATTEMPTS = 3;

export type OAuthSettings = Pick<Config, 'publicUrl' | 'publicOrigin' | 'production' | 'registration' | 'requireEmailVerification' | 'defaultRole'>;

export interface OAuthServiceDeps {
  db: Db;
  settings: OAuthSettings;
  repo: IdentitiesRepository;
  providers: ProvidersService;
  users: UsersService;
  /** the end of the sign-in (account rules, second step, session): the sign-in core's */
  signIn: SignInService;
  /** the second factors a user with MFA can finish with */
  mfa: Pick<MfaService, 'methodsFor'>;
  audit: AuditService;
  roles: RolesService;
  sessions: SessionsService;
  mail: MailService;
  /** talks to the providers (shared with ProvidersService) */
  client: ProviderClient;
  /** seals the flow cookie */
  box: SecretBox;
  clock: Clock;
}

/** what the flow cookie carries (sealed) */
interface FlowState {
  /** provider id */
  p: string;
  /** state, PKCE verifier, nonce */
  s: string;
  v: string;
  n: string | null;
  /** landing path (same-origin, checked) */
  r: string | null;
  /** linking: the signed-in user who asked, and the session they asked from */
  l: string | null;
  sid: string | null;
  /** expiry, ms */
  e: number;
}

export interface StartedFlow {
  /** the provider's authorization URL */
  location: string;
  /** the sealed flow, for the cookie */
  flow: string;
  /** the cookie's path: the provider's callback */
  cookiePath: string;
  maxAgeSeconds: number;
}

export type FinishedFlow =
  | { kind: 'signed_in'; grant: TokenGrant; redirectTo: string }
  | { kind: 'linked'; redirectTo: string }
  /** the account has a second factor: the provider was the first step (docs/security.md), the second follows */
  | { kind: 'second_step'; mfaToken: string; methods: string[]; redirectTo: string };

function normalizedEmail(email: string | null): string | null {
  if (!email) return null;
  try {
    return normalizeEmail(email);
  } catch {
    return null;
  }
}

/** who asks to link a provider: the signed-in user and the session the request carries */
export interface LinkRequest {
  userId: string;
  sessionId: string;
}

const ADMIN_PERMISSION = 'users:admin';

export class OAuthService {
  readonly #client: ProviderClient;

  constructor(private readonly d: OAuthServiceDeps) {
    this.#client = d.client;
  }

  callbackPath(providerId: string): string {
    return `/api/v1/auth/oauth/${encodeURIComponent(providerId)}/callback`;
  }

  /**
   * GET /oauth/{provider}/authorize: where to send the browser, and the sealed flow for the cookie.
   * Linking (`link`) needs a session signed in less than ten minutes ago (reauthentication_required).
   */
  async start(providerId: string, input: { redirectTo?: string | undefined; link: LinkRequest | null }): Promise<StartedFlow> {
    const provider = await this.#provider(providerId);
    if (input.link && !(await this.d.signIn.isFreshSession(input.link.sessionId))) throw oauthErrors.reauthenticationRequired();
    const flow: FlowState = {
      p: provider.id,
      s: oauth.generateRandomState(),
      v: oauth.generateRandomCodeVerifier(),
      n: provider.kind === 'oidc' ? oauth.generateRandomNonce() : null,
      r: safeRedirectPath(input.redirectTo, this.d.settings.publicOrigin),
      l: input.link?.userId ?? null,
      sid: input.link?.sessionId ?? null,
      e: this.d.clock.now() + FLOW_TTL_SECONDS * 1000,
    };
    const url = await this.#client.authorizationUrl(provider, this.#redirectUri(provider.id), { state: flow.s, codeVerifier: flow.v, nonce: flow.n });
    return { location: url.href, flow: this.d.box.seal(JSON.stringify(flow)), cookiePath: this.callbackPath(provider.id), maxAgeSeconds: FLOW_TTL_SECONDS };
  }

  /**
   * GET /oauth/{provider}/callback: checks the flow, completes it with the provider, then signs in
   * (or links). A failure is audited (login.failed) and thrown as an OAuthFailure; nothing is
   * created. An unknown or disabled provider is a plain 404.
   */
  async finish(ctx: RequestContext, providerId: string, params: URLSearchParams, sealedFlow: string | null): Promise<FinishedFlow> {
    const provider = await this.#provider(providerId);
    let flow: FlowState | null = null;
    try {
      flow = this.#openFlow(provider.id, sealedFlow);
      const profile = await this.#client.complete(provider, this.#redirectUri(provider.id), params, { state: flow.s, codeVerifier: flow.v, nonce: flow.n });
      const redirectTo = flow.r ?? DEFAULT_LANDING;
      if (flow.l) {
        // the session that asked is still live ("sign out everywhere" since then ends the link too)
        if (!flow.sid || !(await this.d.sessions.isLive(flow.sid, flow.l))) throw oauthErrors.reauthenticationRequired();
        await this.#link(ctx, provider, profile, flow.l);
        return { kind: 'linked', redirectTo };
      }
      const user = await this.#userFor(ctx, provider, profile);
      // the account rules, the second step (the provider's answer is a first factor only, and adds
      // no amr value) and the session: the sign-in core's, as for every way in
      const outcome = await this.d.signIn.complete(ctx, user, { method: signInMethods.social(provider.id), amr: [] });
      if (outcome.kind === 'second_step') return { kind: 'second_step', mfaToken: outcome.mfaToken, methods: await this.d.mfa.methodsFor(user.id), redirectTo };
      return { kind: 'signed_in', grant: outcome.grant, redirectTo };
    } catch (error) {
      // refused by the core (audited there): the browser goes back to /login?error=<reason>
      if (error instanceof SignInRefused) throw new OAuthFailure(error.reason, error.code, error.title, error.detail ?? '');
      if (error instanceof OAuthFailure) {
        const data = { reason: error.reason, ...(flow?.l ? { mode: 'link' } : {}) };
        await this.d.signIn.recordFailure(ctx, { attempt: signInMethods.social(provider.id), reason: failureReason(error.reason), userId: flow?.l ?? null, actorId: flow?.l ?? null, data });
      }
      throw error;
    }
  }

  /** GET /identities */
  listIdentities(userId: string): Promise<IdentityRecord[]> {
    return this.d.repo.listByUser(this.d.db, userId);
  }
  /**
   * `users import`: identities linked in bulk, in the caller's transaction (the import has checked
   * that none belongs to another account; one linked already is left as it is)
   */
  async linkImported(tx: Executor, identities: { userId: string; provider: string; subject: string }[], at: Date): Promise<void> {
    await this.d.repo.insertMany(tx, identities.map((i) => ({ id: randomUUID(), userId: i.userId, provider: i.provider, subject: i.subject, email: null, emailVerified: false, createdAt: at })));
  }


  /** DELETE /identities/{id}: never the account's last way in (409 last_login_method) */
  async unlink(ctx: RequestContext, principal: Principal, identityId: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const identities = await this.d.repo.lockByUser(tx, principal.userId);
      const target = identities.find((i) => i.id === identityId);
      if (!target) throw oauthErrors.identityNotFound();
      const user = await this.d.users.findById(tx, principal.userId);
      if (!user) throw oauthErrors.identityNotFound();
      if (!user.passwordHash && identities.length <= 1) throw oauthErrors.lastLoginMethod();
      await this.d.repo.delete(tx, target.id);
      await this.d.audit.record(tx, { ...ctx, actorId: principal.userId }, { type: 'identity.unlinked', userId: principal.userId, data: { identity_id: target.id, provider: target.provider } });
    });
  }

  async #provider(id: string): Promise<ResolvedProvider> {
    const provider = await this.d.providers.resolve(id);
    if (!provider) throw oauthErrors.unknownProvider();
    return provider;
  }

  #redirectUri(providerId: string): string {
    return `${this.d.settings.publicUrl}${this.callbackPath(providerId)}`;
  }

  #openFlow(providerId: string, sealed: string | null): FlowState {
    if (!sealed) throw oauthErrors.invalidState();
    let flow: FlowState;
    try {
      flow = JSON.parse(this.d.box.open(sealed)) as FlowState;
    } catch {
      throw oauthErrors.invalidState();
    }
    if (flow.p !== providerId) throw oauthErrors.invalidState();
    if (!(flow.e > this.d.clock.now())) throw oauthErrors.flowExpired();
    return flow;
  }

  /** link mode: the identity joins the signed-in user's account (already theirs: nothing to do) */
  async #link(ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile, userId: string): Promise<void> {
    await this.#retrying(() =>
      this.d.db.transaction().execute(async (tx) => {
        const existing = await this.d.repo.find(tx, provider.id, profile.subject);
        if (existing) {
          if (existing.userId !== userId) throw oauthErrors.identityInUse();
          return;
        }
        // the account was deleted since the flow started
        const user = await this.d.users.findById(tx, userId);
        if (!user) throw oauthErrors.invalidState();
        await this.#insertIdentity(tx, { ...ctx, actorId: userId }, provider, profile, user, 'link');
      }),
    );
  }

  /** sign-in mode: the identity's user, a user linked by verified email, or a new password-less user */
  async #userFor(ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile): Promise<UserRecord> {
    const email = normalizedEmail(profile.email);
    const verified = email !== null && profile.emailVerified;
    return this.#retrying(() =>
      this.d.db.transaction().execute(async (tx) => {
        const existing = await this.d.repo.find(tx, provider.id, profile.subject);
        if (existing) {
          const user = await this.d.users.findById(tx, existing.userId);
          if (!user) throw oauthErrors.providerError();
          return user;
        }
        const holder = email ? await this.d.users.findByEmail(email, tx) : null;
        if (holder && verified && holder.emailVerified && (await this.#linksByEmail(tx, provider, holder))) {
          await this.#insertIdentity(tx, { ...ctx, actorId: holder.id }, provider, profile, holder, 'verified_email');
          return holder;
        }
        // an address an account has that this sign-in may not link to: never linked, never taken over
        if (holder) throw oauthErrors.emailTaken();
        if (this.d.settings.registration === 'closed') throw oauthErrors.registrationClosed();
        if (this.d.settings.requireEmailVerification && !verified) throw oauthErrors.emailNotVerified();
        const id = await this.d.users.insertAccount(
          tx,
          { ...ctx, actorId: null },
          { email, username: null, name: profile.name ? profile.name.slice(0, 100) : null, passwordHash: null, roles: [this.d.settings.defaultRole] },
          verified,
          'oauth',
        );
        const user = await this.d.users.findById(tx, id);
        if (!user) throw new Error('the user just created is gone');
        await this.#insertIdentity(tx, { ...ctx, actorId: id }, provider, profile, user, 'sign_up');
        return user;
      }),
    );
  }

  /**
   * Whether a verified email may join this provider's new identity to the account holding it: the
   * provider allows it, and the account has no second factor and does not hold users:admin (their
   * owners link from a signed-in session; an IdP claiming their address must not sign in as them).
   */
  async #linksByEmail(tx: Executor, provider: ResolvedProvider, holder: UserRecord): Promise<boolean> {
    if (!provider.linkByEmail || holder.mfaEnabled) return false;
    // read through the transaction: its connection is the only one PGlite has
    const adminRoles = await this.d.roles.rolesGranting(ADMIN_PERMISSION, tx);
    return !holder.roles.some((r) => adminRoles.includes(r));
  }

  async #insertIdentity(tx: Executor, ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile, user: UserRecord, via: 'link' | 'verified_email' | 'sign_up'): Promise<void> {
    const userId = user.id;
    const identity: IdentityRecord = {
      id: randomUUID(),
      userId,
      provider: provider.id,
      subject: profile.subject,
      email: normalizedEmail(profile.email),
      emailVerified: profile.emailVerified,
      createdAt: new Date(this.d.clock.now()),
    };
    await this.d.repo.insert(tx, identity);
    await this.d.audit.record(tx, ctx, { type: 'identity.linked', userId, data: { identity_id: identity.id, provider: provider.id, via } });
    // a new way into an existing account: its owner hears of it (a new account needs no notice)
    if (via !== 'sign_up' && user.email) {
      await this.d.mail.enqueue(tx, { template: 'identity_linked', to: user.email, userId, data: { provider: provider.name, ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) } });
    }
  }

  /** a lost race for the identity or the email (another sign-in committed first): read again */
  async #retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const raced = error instanceof IdentityTaken || (error instanceof DomainError && !(error instanceof OAuthFailure) && error.code === 'email_taken');
        if (!raced || attempt >= ATTEMPTS) throw raced ? oauthErrors.identityInUse() : error;
      }
    }
  }
}

/** record types callers outside this feature read (routes, pages): the service is the feature's surface */
export type { IdentityRecord } from './identities-repository.js';
