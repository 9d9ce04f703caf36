/**
 * The admin API under /api/v1/admin (docs/api.md Admin). Every route requires the `users:admin`
 * permission (checked by the auth guard in onRequest, so 401 → 403 come before validation); the
 * rules — last active admin, protected and in-use roles and permissions, session revocation — live in the services.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditService } from '../audit/audit-service.js';
import type { EmailService } from '../email-ownership/email-service.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { ProvidersService } from '../social/providers-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { UsersService } from '../users/users-service.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminMfaRoutes } from './admin-mfa-routes.js';
import { adminOAuthProvidersRoutes } from './admin-oauth-providers-routes.js';
import { adminPermissionsRoutes } from './admin-permissions-routes.js';
import { adminRolesRoutes } from './admin-roles-routes.js';
import { adminUsersRoutes } from './admin-users-routes.js';

export interface AdminRoutesOptions {
  users: UsersService;
  roles: RolesService;
  audit: AuditService;
  oauthProviders: ProvidersService;
  mfa: MfaService;
  /** the fresh-session rule of the sensitive admin actions */
  signIn: SignInService;
  /** the verification mail an admin sends again (the console's resend) */
  email: Pick<EmailService, 'requestVerificationFor'>;
}

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { users, roles, audit, oauthProviders, mfa, signIn, email }) => {
  await app.register(adminUsersRoutes, { users, signIn, email });
  await app.register(adminRolesRoutes, { roles });
  await app.register(adminPermissionsRoutes, { roles });
  await app.register(adminAuditRoutes, { audit });
  await app.register(adminOAuthProvidersRoutes, { providers: oauthProviders });
  await app.register(adminMfaRoutes, { mfa });
};
