/**
 * The first admin from ADMIN_EMAIL / ADMIN_PASSWORD (docs/operations.md): created at start-up when no active
 * admin exists; an existing account with that email is left alone. Bad values stop the start with
 * a message that names the variables, not the request fields of the account rules it reuses.
 * Without them, FirstAdminSetup (below): a one-time link in the log opens a page that creates it.
 */
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import { commonErrors, DomainError } from '../errors.js';
import { systemContext, type RequestContext } from '../request-context.js';
import { randomToken, sha256 } from '../security/tokens.js';
import { usersErrors } from './users-errors.js';
import { ACTIVE_ADMIN_EXISTS, type UsersService } from './users-service.js';

export interface BootstrapResult {
  created: boolean;
  /** why nothing was created */
  reason?: string;
  /** an active admin already existed (the usual case after the first start): nothing to report */
  adminExists: boolean;
}

export async function bootstrapAdmin(users: UsersService, adminEmail: string, adminPassword: string): Promise<BootstrapResult> {
  try {
    const result = await users.ensureAdmin(systemContext, { email: adminEmail, password: adminPassword }, 'bootstrap');
    return { ...result, adminExists: result.reason === ACTIVE_ADMIN_EXISTS };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const variable = (field: string) => (field === 'password' ? 'ADMIN_PASSWORD' : field === 'email' ? 'ADMIN_EMAIL' : field);
    const fields = (error.errors ?? []).map((e) => `${variable(e.field)} ${e.message}`);
    const about = error.code === 'weak_password' ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL/ADMIN_PASSWORD';
    throw new Error(`${about}: ${[error.detail ?? error.title, ...fields].join('; ')}`);
  }
}

/** how long a start's setup link stays usable (a restart logs a new one) */
export const SETUP_LINK_TTL_SECONDS = 24 * 3600;

export interface FirstAdminSetupDeps {
  users: UsersService;
  /** holds the SHA-256 of each start's token (shared by every instance with Redis) */
  store: EphemeralStore;
  publicUrl: string;
}

/**
 * The first admin without ADMIN_EMAIL: while no active admin exists, each start makes a one-time
 * link `<PUBLIC_URL>/setup?token=<256 random bits>` for the operator's log. The token is never
 * stored: only its hash, in the ephemeral store, for 24 hours. The page it opens creates the first
 * admin through the same path as ADMIN_EMAIL (strength rules, audited as user.created) and is
 * gone — for that token and every other — as soon as an active admin exists.
 */
export class FirstAdminSetup {
  constructor(private readonly d: FirstAdminSetupDeps) {}

  /** a fresh link while no active admin exists; null otherwise */
  async issueLink(): Promise<string | null> {
    if (await this.d.users.hasActiveAdmin()) return null;
    const token = randomToken();
    await this.d.store.set(setupKey(token), '1', SETUP_LINK_TTL_SECONDS * 1000);
    return `${this.d.publicUrl}/setup?token=${token}`;
  }

  /** true for a token a start issued (within its 24 hours) while no active admin exists */
  async isOpen(token: string | null): Promise<boolean> {
    if (token === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
    if ((await this.d.store.get(setupKey(token))) === null) return false;
    return !(await this.d.users.hasActiveAdmin());
  }

  /**
   * Creates the first admin (email verified, role admin). 404 not_found when the link does not
   * open the page (any more); the account rules' errors otherwise (validation_error,
   * weak_password, email_taken for an address an account already has).
   */
  async createFirstAdmin(ctx: RequestContext, token: string, input: { email: string; password: string }): Promise<void> {
    if (!(await this.isOpen(token))) throw commonErrors.notFound();
    // the start-up path: it checks again, under the admins' lock, that no active admin exists
    const result = await this.d.users.ensureAdmin(ctx, input, 'bootstrap');
    if (!result.created) throw result.reason === ACTIVE_ADMIN_EXISTS ? commonErrors.notFound() : usersErrors.emailTaken();
    await this.d.store.delete(setupKey(token));
  }
}

function setupKey(token: string): string {
  return `setup-link:${sha256(token)}`;
}
