/** /api/v1/admin/audit: the audit trail, newest first (docs/security.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditService } from '../audit/audit-service.js';
import { DEFAULT_PAGE_LIMIT } from '../http/pagination.js';
import { errorResponses } from '../http/schema-helpers.js';
import { AuditPage, AuditQuery, toAuditEventView } from './admin-schemas.js';

const tags = ['admin'];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const adminAuditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get('/audit', {
    config: admin,
    schema: {
      tags,
      summary: 'Audit events, newest first; filter by the user an event is about and by type',
      security: [{ bearer: [] }],
      querystring: AuditQuery,
      response: { 200: AuditPage, ...errorResponses(400, 401, 403) },
    },
  }, async function listAudit(request) {
    const { user_id, type, limit = DEFAULT_PAGE_LIMIT, cursor } = request.query;
    const { items, nextCursor } = await audit.list({ userId: user_id ?? null, type: type ?? null }, { limit, cursor: cursor ?? null });
    return { items: items.map(toAuditEventView), next_cursor: nextCursor };
  });
};
