/**
 * The first admin from ADMIN_EMAIL / ADMIN_PASSWORD (SPEC §1): created at start-up when no active
 * admin exists; an existing account with that email is left alone. Bad values stop the start with
 * a message that names the variables, not the request fields of the account rules it reuses.
 */
import { DomainError } from '../errors.js';
import { systemContext } from '../request-context.js';
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
