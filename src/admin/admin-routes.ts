// SKELETON — being implemented (issue 4)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditService } from '../audit/audit-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { UsersService } from '../users/users-service.js';

export interface AdminRoutesOptions {
  users: UsersService;
  roles: RolesService;
  sessions: SessionsService;
  audit: AuditService;
}

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async () => {};
