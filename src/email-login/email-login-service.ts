/**
 * Sign-in by emailed code or link (EMAIL_LOGIN=on): a way in for an account whose address is
 * verified, finished by the sign-in core like every other method (method `email`, amr `["otp"]`).
 *
 * - A request answers the same (202) in about the same time for every address: the limits per IP
 *   and per address are counted first, for every address alike; an account that may use it (its
 *   address verified, not disabled) gets an 8-digit code and a one-click link, valid 15 minutes and
 *   good together for one sign-in; any other address costs the same kind of work and gets no mail.
 *   A new request voids the earlier pair; so do a password reset, an email change and disabling
 *   the account. The codes themselves are the email feature's (hashed, five tries, one row).
 * - A code is checked under RATE_LIMIT_CODE_ID per address (known or not); a wrong one — for an
 *   unknown address too — answers 400 invalid_code, the fifth voids the pair (then 429
 *   too_many_attempts), an expired one 400 code_expired. Wrong codes do not count towards the
 *   password lockout: the code's own tries and the rate limit bound the guessing.
 * - The link is only looked at by a GET (a mail scanner following it spends nothing); the page's
 *   button spends it.
 * - Every refusal is audited as `login.failed` with `data.method` `email` (`user_id` null for an
 *   unknown address); success goes through the core (account rules, the second step for a user with
 *   MFA, the session with its new-device notice, `login.succeeded`).
 */
import type { SecondStepRequired, TokenGrant } from '../auth/auth-service.js';
import type { Config } from '../config/load-config.js';
import type { EmailService } from '../email-ownership/email-service.js';
import { commonErrors, DomainError } from '../errors.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { RequestContext } from '../request-context.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { signInMethods, type FailureReason } from '../sign-in/sign-in-methods.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import { normalizeEmail } from '../users/user-fields.js';
import type { UserRecord, UsersService } from '../users/users-service.js';

export type EmailLoginSettings = Pick<Config, 'emailLogin' | 'rateLimitEmailLoginIp' | 'rateLimitEmailLoginId' | 'rateLimitCodeId'>;

export interface EmailLoginServiceDeps {
  settings: EmailLoginSettings;
  users: UsersService;
  email: EmailService;
  signIn: SignInService;
  /** the user's second factors, named in the second step's answer */
  mfa: Pick<MfaService, 'methodsFor'>;
  limiter: RateLimiter;
}

/** what a link is worth: `valid` (a page may offer its button), or why not */
export type LinkState = 'valid' | 'invalid' | 'expired';

/** a refused link: the page says why */
export class LinkRefused extends DomainError {
  constructor(readonly state: Exclude<LinkState, 'valid'>) {
    super('invalid_code', state === 'expired' ? 'Link expired' : 'Link not valid', {
      detail: state === 'expired' ? 'This sign-in link has expired: ask for a new one.' : 'This sign-in link is not valid (it was used, replaced or voided): ask for a new one.',
    });
    this.name = 'LinkRefused';
  }
}

/** the failure reasons of the code's refusals (error code → audit reason) */
const CODE_REFUSALS: Record<string, FailureReason> = {
  invalid_code: 'wrong_code',
  code_expired: 'code_expired',
  too_many_attempts: 'code_void',
};

export class EmailLoginService {
  constructor(private readonly d: EmailLoginServiceDeps) {}

  get enabled(): boolean {
    return this.d.settings.emailLogin === 'on';
  }

  /** POST /email-login/request: a code and link to a verified, enabled account; nothing else tells */
  async request(ctx: RequestContext, emailInput: string): Promise<void> {
    this.#assertOn();
    const email = normalizeEmail(emailInput);
    await this.d.limiter.hit('email-login-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitEmailLoginIp);
    await this.d.limiter.hit('email-login-id', email, this.d.settings.rateLimitEmailLoginId);
    const user = await this.d.users.findByEmail(email);
    const eligible = user && user.email && user.emailVerified && !user.disabled ? { id: user.id, email: user.email, locale: user.locale } : null;
    await this.d.email.sendSignInCode(eligible, ctx);
  }

  /** POST /email-login: the emailed code; tokens, or the second step for a user with MFA */
  async signInWithCode(ctx: RequestContext, input: { email: string; code: string }): Promise<TokenGrant | SecondStepRequired> {
    this.#assertOn();
    const email = normalizeEmail(input.email);
    // per address, known or not (an unknown one must not be a free oracle)
    await this.d.limiter.hit('code-id', `email-login:${email}`, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.findByEmail(email);
    try {
      await this.d.email.spendSignInCode(user, input.code);
    } catch (error) {
      const reason = error instanceof DomainError ? CODE_REFUSALS[error.code] : undefined;
      if (!reason) throw error;
      await this.d.signIn.recordFailure(ctx, { attempt: signInMethods.email, reason: user ? reason : 'unknown_login', userId: user?.id ?? null });
      throw error;
    }
    return this.#complete(ctx, user!);
  }

  /** GET /login/email?token=: what the link is worth, spending nothing */
  async linkState(token: string): Promise<LinkState> {
    this.#assertOn();
    const found = await this.d.email.peekSignInLink(token);
    return typeof found === 'string' ? found : 'valid';
  }

  /** the link page's button: spends the link (and its code) and signs in; a LinkRefused when it cannot */
  async signInWithLink(ctx: RequestContext, token: string): Promise<TokenGrant | SecondStepRequired> {
    this.#assertOn();
    const found = await this.d.email.spendSignInLink(token);
    if (typeof found === 'string') {
      // the token names no account it can still sign in: nobody to name in the trail
      await this.d.signIn.recordFailure(ctx, { attempt: signInMethods.email, reason: found === 'expired' ? 'code_expired' : 'invalid_link', userId: null });
      throw new LinkRefused(found);
    }
    return this.#complete(ctx, found.user);
  }

  async #complete(ctx: RequestContext, user: UserRecord): Promise<TokenGrant | SecondStepRequired> {
    const outcome = await this.d.signIn.complete(ctx, user, { method: signInMethods.email, amr: ['otp'] });
    if (outcome.kind === 'signed_in') return outcome.grant;
    return { mfaToken: outcome.mfaToken, methods: await this.d.mfa.methodsFor(user.id) };
  }

  #assertOn(): void {
    if (!this.enabled) throw commonErrors.notFound();
  }
}
