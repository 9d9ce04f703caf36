/**
 * The admin console's OpenID Connect clients: /admin/oidc-clients (list, register) and
 * /admin/oidc-clients/{client_id} (edit every field but the type, rotate the secret, enable,
 * disable, delete), all users:admin. Every change goes to the OidcClientsService method the admin
 * API's route calls, so the rules (redirect URIs, grant types, the permission catalogue) answer
 * here as they do there; a problem with one URI of a list (`redirect_uris.1`) is shown next to
 * the list's field, naming the line. A new secret is rendered once, in the answer to the POST that
 * made it (registration, rotation), with `cache-control: no-store`: never in a URL, a cookie or a
 * later page (docs/architecture.md, the admin console).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, DomainError } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import type { MessageKey, Translator } from '../i18n/translator.js';
import type { OidcClientInput, OidcClientsService, OidcClientView } from '../oidc/oidc-clients-service.js';
import type { RolesService } from '../roles/roles-service.js';
import { adminPage } from './admin-users-pages-routes.js';
import { consoleRefusal, formChecked, formList, noticeIn, withNotice } from './console-kit.js';
import { NO_ERRORS, type FormErrors } from './form-errors.js';
import { formField, type PageKit } from './page-kit.js';
import { oidcClientPage, oidcClientsPage, oidcClientValues, oidcSecretPage, SCOPES, type OidcClientFormValues } from './views/oidc-admin-views.js';

export interface AdminOidcPagesOptions {
  kit: PageKit;
  clients: OidcClientsService;
  roles: Pick<RolesService, 'catalogue'>;
}

const NOTICES: Record<string, MessageKey> = { saved: 'admin.notice.clientSaved', deleted: 'admin.notice.clientDeleted' };

const EMPTY: OidcClientFormValues = {
  name: '',
  type: 'confidential',
  redirect_uris: '',
  post_logout_redirect_uris: '',
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  permissions: [],
  skip_consent: false,
  enabled: true,
};

/** a list field as typed: one entry per line, blank lines left out */
function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

function typedClient(request: FastifyRequest): OidcClientFormValues {
  return {
    name: formField(request, 'name').trim(),
    type: formField(request, 'type') === 'public' ? 'public' : 'confidential',
    redirect_uris: formField(request, 'redirect_uris'),
    post_logout_redirect_uris: formField(request, 'post_logout_redirect_uris'),
    grant_types: formList(request, 'grant_types'),
    scopes: formList(request, 'scopes'),
    permissions: formList(request, 'permissions'),
    skip_consent: formChecked(request, 'skip_consent'),
    enabled: formChecked(request, 'enabled'),
  };
}

/** the fields the register and edit forms share */
type ClientFields = Required<Pick<OidcClientInput, 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'grantTypes' | 'scopes' | 'permissions' | 'skipConsent'>>;

/**
 * The client's fields as typed into the register or edit form, for OidcClientsService (which
 * holds the rules: URIs, grant types, the catalogue): a name is required, lists are one entry per
 * line, scopes are those the form offers.
 */
function clientFieldsOf(values: OidcClientFormValues): ClientFields {
  if (!values.name) throw commonErrors.validation([{ field: 'name', message: 'is required' }]);
  return {
    name: values.name.slice(0, 100),
    redirectUris: lines(values.redirect_uris),
    postLogoutRedirectUris: lines(values.post_logout_redirect_uris),
    grantTypes: values.grant_types,
    scopes: values.scopes.filter((s) => SCOPES.includes(s)),
    permissions: values.permissions,
    skipConsent: values.skip_consent,
  };
}

/**
 * The refusal as the form shows it: the service names one entry of a list (`redirect_uris.1`,
 * `permissions.0`); the form has one field per list, so the message goes next to that field and
 * says which line (and which value) it is about.
 */
function formErrorsOf(error: unknown, values: OidcClientFormValues, t: Translator): { status: number; headers: Record<string, string>; errors: FormErrors } {
  const r = consoleRefusal(error, t);
  if (!(error instanceof DomainError) || error.code !== 'validation_error' || !error.errors) return r;
  const listed: Record<string, string[]> = {
    redirect_uris: lines(values.redirect_uris),
    post_logout_redirect_uris: lines(values.post_logout_redirect_uris),
    permissions: values.permissions,
  };
  const fields: Record<string, string[]> = {};
  for (const e of error.errors) {
    const item = /^([a-z_]+)\.(\d+)$/.exec(e.field);
    const name = item ? item[1]! : e.field;
    const text = item
      ? t.t('admin.oidc.lineError', { line: Number(item[2]) + 1, uri: listed[name]?.[Number(item[2])] ?? '', message: t.locale === 'en' ? e.message : (r.errors.fields[e.field] ?? e.message) })
      : (r.errors.fields[e.field] ?? e.message);
    (fields[name] ??= []).push(text);
  }
  return { status: r.status, headers: r.headers, errors: { message: r.errors.message, fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.join(' ')])) } };
}

export const adminOidcPagesRoutes: FastifyPluginAsync<AdminOidcPagesOptions> = async (app, { kit, clients, roles }) => {
  async function permissionNames(): Promise<string[]> {
    return (await roles.catalogue()).map((p) => p.name);
  }

  async function showList(request: FastifyRequest, reply: FastifyReply, status: number, values: OidcClientFormValues, errors: FormErrors, headers: Record<string, string> = {}) {
    const [all, permissions] = await Promise.all([clients.list(), permissionNames()]);
    const notice = noticeIn(request, NOTICES, kit.translator(request));
    return kit.render(request, reply, status, (chrome) => oidcClientsPage(chrome, { clients: all, notice, values, errors, permissions }), headers);
  }

  async function showClient(request: FastifyRequest, reply: FastifyReply, client: OidcClientView, status = 200, values?: OidcClientFormValues, errors: FormErrors = NO_ERRORS, headers: Record<string, string> = {}) {
    const permissions = await permissionNames();
    const notice = noticeIn(request, NOTICES, kit.translator(request));
    return kit.render(request, reply, status, (chrome) => oidcClientPage(chrome, { client, notice, values: values ?? oidcClientValues(client), errors, permissions }), headers);
  }

  function clientIdOf(request: FastifyRequest): string {
    const id = (request.params as { client_id?: unknown }).client_id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw commonErrors.notFound('No such client.');
    return id;
  }

  app.get('/admin/oidc-clients', { config: adminPage }, async function oidcClientList(request, reply) {
    return showList(request, reply, 200, EMPTY, NO_ERRORS);
  });

  app.post('/admin/oidc-clients', { config: adminPage }, async function registerOidcClient(request, reply) {
    const values = typedClient(request);
    try {
      const { client, clientSecret } = await clients.create(requestContext(request), { ...clientFieldsOf(values), type: values.type as 'confidential' | 'public' });
      if (!clientSecret) return kit.redirect(reply, withNotice(`/admin/oidc-clients/${client.clientId}`, 'saved'));
      // the secret is in this answer only (no-store): no redirect could carry it without a URL or a cookie
      return kit.render(request, reply, 201, (chrome) => oidcSecretPage(chrome, { client, secret: clientSecret, created: true }));
    } catch (error) {
      const r = formErrorsOf(error, values, kit.translator(request));
      return showList(request, reply, r.status, values, r.errors, r.headers);
    }
  });

  app.get('/admin/oidc-clients/:client_id', { config: adminPage }, async function oidcClientDetail(request, reply) {
    return showClient(request, reply, await clients.get(clientIdOf(request)));
  });

  // PATCH /api/v1/admin/oidc-clients/{client_id}: every field but the type
  app.post('/admin/oidc-clients/:client_id', { config: adminPage }, async function saveOidcClient(request, reply) {
    const before = await clients.get(clientIdOf(request));
    const values = { ...typedClient(request), type: before.type };
    try {
      await clients.update(requestContext(request), before.clientId, { ...clientFieldsOf(values), enabled: values.enabled });
    } catch (error) {
      const r = formErrorsOf(error, values, kit.translator(request));
      if (r.status === 404) throw error;
      return showClient(request, reply, before, r.status, values, r.errors, r.headers);
    }
    return kit.redirect(reply, withNotice(`/admin/oidc-clients/${before.clientId}`, 'saved'));
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/admin/oidc-clients/:client_id/${action}`, { config: adminPage }, async function switchOidcClient(request, reply) {
      await clients.update(requestContext(request), clientIdOf(request), { enabled });
      return kit.redirect(reply, withNotice('/admin/oidc-clients', 'saved'));
    });
  }

  app.post('/admin/oidc-clients/:client_id/secret', { config: adminPage }, async function rotateOidcSecret(request, reply) {
    const { client, clientSecret } = await clients.rotateSecret(requestContext(request), clientIdOf(request));
    return kit.render(request, reply, 200, (chrome) => oidcSecretPage(chrome, { client, secret: clientSecret, created: false }));
  });

  app.post('/admin/oidc-clients/:client_id/delete', { config: adminPage }, async function deleteOidcClient(request, reply) {
    await clients.delete(requestContext(request), clientIdOf(request));
    return kit.redirect(reply, withNotice('/admin/oidc-clients', 'deleted'));
  });
};
