/**
 * The admin console's settings pages: /admin/roles, /admin/oauth-providers and /admin/audit (all
 * users:admin). Each form is checked against the admin API's body schema and handed to the same
 * service method as that API route (RolesService, ProvidersService, AuditService), so the
 * protected admin role, roles in use, unknown permissions and provider URL rules answer here as
 * they do there. Client secrets are write-only: a blank secret field leaves the stored one alone,
 * and no page ever renders one.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AuditQuery, CreateRoleBody, PatchRoleBody } from '../admin/admin-schemas.js';
import { AUDIT_TYPES, type AuditService } from '../audit/audit-service.js';
import type { Config } from '../config/load-config.js';
import { commonErrors } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import { logProviderFailure } from '../social/social-errors.js';
import { checkBody } from '../http/validation.js';
import { CreateProviderBody, PatchProviderBody } from '../social/social-schemas.js';
import type { ProviderInput, ProvidersService } from '../social/providers-service.js';
import { ADMIN_ROLE } from '../roles/permissions.js';
import type { RolesService } from '../roles/roles-service.js';
import type { MessageKey } from '../i18n/translator.js';
import type { UsersService } from '../users/users-service.js';
import { adminPage } from './admin-users-pages-routes.js';
import { consoleRefusal, formChecked, formList, isUuid, noticeIn, orNull, withNotice } from './console-kit.js';
import { NO_ERRORS, type FormErrors } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { auditPage, providerEditPage, providersPage, providerValues, rolesPage, type ProviderFormValues, type RolesView } from './views/admin-settings-views.js';

export interface AdminSettingsPagesOptions {
  kit: PageKit;
  roles: RolesService;
  providers: ProvidersService;
  audit: AuditService;
  /** the audit log names actors and subjects by their email */
  users: Pick<UsersService, 'byIds'>;
  settings: Pick<Config, 'defaultRole'>;
}

const NAME = /^[a-z0-9_-]{2,32}$/;

const NOTICES: Record<string, MessageKey> = {
  role_created: 'admin.notice.roleCreated',
  role_saved: 'admin.notice.roleSaved',
  role_deleted: 'admin.notice.roleDeleted',
  provider_created: 'admin.notice.providerCreated',
  provider_saved: 'admin.notice.providerSaved',
  provider_deleted: 'admin.notice.providerDeleted',
};

/** a role name or provider id from the path; anything else names nothing (404) */
function pathName(request: FastifyRequest, key: 'name' | 'id', what: string): string {
  const value = (request.params as Record<string, unknown>)[key];
  if (typeof value !== 'string' || !NAME.test(value)) throw commonErrors.notFound(`No such ${what}.`);
  return value;
}

const EMPTY_PROVIDER: ProviderFormValues = { id: '', name: '', issuer: '', client_id: '', authorization_url: '', token_url: '', userinfo_url: '', scopes: '', enabled: true };

function typedProvider(request: FastifyRequest, id: string): ProviderFormValues {
  return {
    id,
    name: formField(request, 'name').trim(),
    issuer: formField(request, 'issuer').trim(),
    client_id: formField(request, 'client_id').trim(),
    authorization_url: formField(request, 'authorization_url').trim(),
    token_url: formField(request, 'token_url').trim(),
    userinfo_url: formField(request, 'userinfo_url').trim(),
    scopes: formField(request, 'scopes').trim(),
    enabled: formChecked(request, 'enabled'),
  };
}

function scopesOf(text: string): string[] | null {
  const scopes = text.split(/\s+/).filter(Boolean);
  return scopes.length > 0 ? scopes : null;
}

export const adminSettingsPagesRoutes: FastifyPluginAsync<AdminSettingsPagesOptions> = async (app, { kit, roles, providers, audit, users, settings }) => {
  // ---- roles

  async function showRoles(request: FastifyRequest, reply: FastifyReply, status = 200, refused: RolesView['refused'] = null, headers: Record<string, string> = {}) {
    const [list, catalogue] = await Promise.all([roles.list(), roles.catalogue()]);
    return kit.render(request, reply, status, (chrome) =>
      rolesPage(chrome, { roles: list, catalogue, protectedRole: ADMIN_ROLE, defaultRole: settings.defaultRole, notice: noticeIn(request, NOTICES, kit.translator(request)), refused }), headers);
  }

  app.get('/admin/roles', { config: adminPage }, async function roleList(request, reply) {
    return showRoles(request, reply);
  });

  app.post('/admin/roles', { config: adminPage }, async function createRole(request, reply) {
    const values = { name: formField(request, 'name').trim(), description: formField(request, 'description').trim(), permissions: formList(request, 'permissions') };
    try {
      const body = checkBody<{ name: string; description: string | null; permissions: string[] }>(CreateRoleBody, { name: values.name, description: orNull(values.description), permissions: values.permissions });
      await roles.create(requestContext(request), { name: body.name, description: body.description, permissions: body.permissions });
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request), { role_exists: 'name' });
      return showRoles(request, reply, r.status, { form: 'new', errors: r.errors, values }, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/roles', 'role_created'));
  });

  app.post('/admin/roles/:name', { config: adminPage }, async function saveRole(request, reply) {
    const name = pathName(request, 'name', 'role');
    const values = { name, description: formField(request, 'description').trim(), permissions: formList(request, 'permissions') };
    try {
      const body = checkBody<{ description: string | null; permissions: string[] }>(PatchRoleBody, { description: orNull(values.description), permissions: values.permissions });
      await roles.update(requestContext(request), name, body);
    } catch (error) {
      logProviderFailure(request.log, error);
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return showRoles(request, reply, r.status, { form: name, errors: r.errors, values }, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/roles', 'role_saved'));
  });

  app.post('/admin/roles/:name/delete', { config: adminPage }, async function deleteRole(request, reply) {
    const name = pathName(request, 'name', 'role');
    try {
      await roles.delete(requestContext(request), name);
    } catch (error) {
      logProviderFailure(request.log, error);
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return showRoles(request, reply, r.status, { form: name, errors: r.errors }, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/roles', 'role_deleted'));
  });

  // ---- sign-in providers

  async function showProviders(request: FastifyRequest, reply: FastifyReply, status = 200, values = EMPTY_PROVIDER, errors: FormErrors = NO_ERRORS, headers: Record<string, string> = {}) {
    const list = await providers.list();
    return kit.render(request, reply, status, (chrome) => providersPage(chrome, { providers: list, notice: noticeIn(request, NOTICES, kit.translator(request)), values, errors }), headers);
  }

  app.get('/admin/oauth-providers', { config: adminPage }, async function providerList(request, reply) {
    return showProviders(request, reply);
  });

  app.post('/admin/oauth-providers', { config: adminPage }, async function createProvider(request, reply) {
    const values = typedProvider(request, formField(request, 'id').trim());
    const secret = formField(request, 'client_secret');
    try {
      const body = checkBody<{ id: string; client_id: string }>(CreateProviderBody, {
        id: values.id,
        name: orNull(values.name),
        issuer: orNull(values.issuer),
        client_id: values.client_id,
        client_secret: secret === '' ? null : secret,
        authorization_url: orNull(values.authorization_url),
        token_url: orNull(values.token_url),
        userinfo_url: orNull(values.userinfo_url),
        scopes: scopesOf(values.scopes),
        enabled: values.enabled,
      });
      const input: ProviderInput = {
        id: body.id,
        name: orNull(values.name),
        issuer: orNull(values.issuer),
        clientId: body.client_id,
        clientSecret: secret === '' ? null : secret,
        authorizationUrl: orNull(values.authorization_url),
        tokenUrl: orNull(values.token_url),
        userinfoUrl: orNull(values.userinfo_url),
        scopes: scopesOf(values.scopes),
        enabled: values.enabled,
      };
      await providers.create(requestContext(request), input);
    } catch (error) {
      logProviderFailure(request.log, error);
      const r = consoleRefusal(error, kit.translator(request), { provider_exists: 'id' });
      // the typed values come back, the secret never does
      return showProviders(request, reply, r.status, values, r.errors, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/oauth-providers', 'provider_created'));
  });

  app.get('/admin/oauth-providers/:id', { config: adminPage }, async function editProviderForm(request, reply) {
    const provider = await providers.get(pathName(request, 'id', 'provider'));
    return kit.render(request, reply, 200, (chrome) => providerEditPage(chrome, { values: providerValues(provider), errors: NO_ERRORS }));
  });

  app.post('/admin/oauth-providers/:id', { config: adminPage }, async function saveProvider(request, reply) {
    const id = pathName(request, 'id', 'provider');
    const values = typedProvider(request, id);
    const secret = formField(request, 'client_secret');
    // blank: keep the stored secret; "remove" ticked: clear it
    const clientSecret = secret !== '' ? secret : formChecked(request, 'remove_secret') ? null : undefined;
    try {
      checkBody(PatchProviderBody, {
        name: values.name,
        issuer: orNull(values.issuer),
        client_id: values.client_id,
        ...(clientSecret !== undefined ? { client_secret: clientSecret } : {}),
        authorization_url: orNull(values.authorization_url),
        token_url: orNull(values.token_url),
        userinfo_url: orNull(values.userinfo_url),
        scopes: scopesOf(values.scopes),
        enabled: values.enabled,
      });
      await providers.update(requestContext(request), id, {
        name: values.name,
        issuer: orNull(values.issuer),
        clientId: values.client_id,
        clientSecret,
        authorizationUrl: orNull(values.authorization_url),
        tokenUrl: orNull(values.token_url),
        userinfoUrl: orNull(values.userinfo_url),
        scopes: scopesOf(values.scopes),
        enabled: values.enabled,
      });
    } catch (error) {
      logProviderFailure(request.log, error);
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return kit.render(request, reply, r.status, (chrome) => providerEditPage(chrome, { values, errors: r.errors }), r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/oauth-providers', 'provider_saved'));
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/admin/oauth-providers/:id/${action}`, { config: adminPage }, async function switchProvider(request, reply) {
      try {
        await providers.update(requestContext(request), pathName(request, 'id', 'provider'), { enabled });
      } catch (error) {
        logProviderFailure(request.log, error);
        throw error;
      }
      return kit.redirect(reply, withNotice('/admin/oauth-providers', 'provider_saved'));
    });
  }

  app.post('/admin/oauth-providers/:id/delete', { config: adminPage }, async function deleteProvider(request, reply) {
    await providers.delete(requestContext(request), pathName(request, 'id', 'provider'));
    return kit.redirect(reply, withNotice('/admin/oauth-providers', 'provider_deleted'));
  });

  // ---- audit log

  app.get('/admin/audit', { config: adminPage }, async function auditLog(request, reply) {
    const type = (queryParam(request, 'type') ?? '').trim();
    const userId = (queryParam(request, 'user_id') ?? '').trim();
    const cursor = queryParam(request, 'cursor') || null;
    let page: Awaited<ReturnType<AuditService['list']>> = { items: [], nextCursor: null };
    let errors: FormErrors = NO_ERRORS;
    let status = 200;
    try {
      // the API's query rules: a known event type, a UUID for the user
      checkBody(AuditQuery, { ...(type ? { type } : {}), ...(userId ? { user_id: userId } : {}) });
      if (userId && !isUuid(userId)) throw commonErrors.validation([{ field: 'user_id', message: 'must be a user id (UUID)' }]);
      page = await audit.list({ userId: userId || null, type: type || null }, { limit: 50, cursor });
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      errors = r.errors;
      status = r.status;
    }
    // everyone the page names, in one lookup
    const people = await users.byIds(page.items.flatMap((e) => [e.userId, e.actorId].filter((id): id is string => id !== null)));
    return kit.render(request, reply, status, (chrome) => auditPage(chrome, { events: page.items, people, types: AUDIT_TYPES, type, userId, nextCursor: page.nextCursor, firstPage: cursor === null, errors }));
  });
};
