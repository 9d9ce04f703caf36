/**
 * The server-rendered pages (docs/architecture.md, docs/security.md), in one encapsulated plugin: form bodies are parsed
 * here only (the API stays JSON-only), every POST must carry a valid CSRF token (checked before the
 * route runs; a refusal is 403 forbidden, as an HTML page for a browser), and the pages' own
 * stylesheet and script are served under /assets/. Page routes declare `config: { page: true,
 * auth }`, so the API's route guard authenticates them from the page cookie (page-session.ts).
 */
import fastifyCookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import type { RefreshCookie } from '../auth/refresh-cookie.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { Config } from '../config/load-config.js';
import type { EmailService } from '../email-ownership/email-service.js';
import type { PasswordResetService } from '../email-ownership/password-reset-service.js';
import type { EmailLoginService } from '../email-login/email-login-service.js';
import type { Csrf } from '../http/csrf.js';
import type { ErrorPage, HtmlErrorPage } from '../http/error-handler.js';
import type { Locale } from '../i18n/locales.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { ProvidersService } from '../social/providers-service.js';
import type { FirstAdminSetup } from '../users/admin-bootstrap.js';
import type { UsersService } from '../users/users-service.js';
import type { AuditService } from '../audit/audit-service.js';
import type { OAuthService } from '../social/social-service.js';
import type { ProductsService } from '../products/products-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { WebhooksService } from '../webhooks/webhooks-service.js';
import { AccountPage } from './account-page.js';
import { accountPagesRoutes, accountSections } from './account-pages-routes.js';
import { adminPermissionsPagesRoutes } from './admin-permissions-pages-routes.js';
import { adminSettingsPagesRoutes } from './admin-settings-pages-routes.js';
import { adminUsersPagesRoutes } from './admin-users-pages-routes.js';
import { adminWebhooksPagesRoutes } from './admin-webhooks-pages-routes.js';
import { dashboardPagesRoutes } from './dashboard-pages-routes.js';
import { emailLoginPagesRoutes } from './email-login-pages-routes.js';
import { productsPagesRoutes } from './products-pages-routes.js';
import { assetRoutes, brandAssetsFor } from './assets.js';
import { mfaAccountSection, mfaPagesRoutes } from './mfa-pages-routes.js';
import type { OidcClientsService } from '../oidc/oidc-clients-service.js';
import type { OidcProviderHost } from '../oidc/oidc-provider.js';
import type { OidcGrantsService } from '../oidc/oidc-grants-service.js';
import { oidcPagesRoutes } from './oidc-pages-routes.js';
import { PageKit, readerTranslator } from './page-kit.js';
import type { PageSession } from './page-session.js';
import { publicPagesRoutes } from './public-pages-routes.js';
import { sessionPagesRoutes } from './session-pages-routes.js';
import { setupPagesRoutes } from './setup-pages-routes.js';
import { errorPage } from './views/public-views.js';

export interface PagesOptions {
  settings: Pick<Config, 'registration' | 'accountEmail' | 'requireEmailVerification' | 'defaultRole' | 'cookieSecure' | 'emailLogin' | 'brandName' | 'defaultLocale' | 'brandColor' | 'brandLogoFile'>;
  auth: AuthService;
  sessions: SessionsService;
  oauth: OAuthService;
  /** the products module's service when PRODUCTS=on; null: no /products pages */
  products: ProductsService | null;
  roles: RolesService;
  audit: AuditService;
  users: UsersService;
  email: EmailService;
  passwordReset: PasswordResetService;
  mfa: MfaService;
  emailLogin: EmailLoginService;
  signIn: SignInService;
  providers: ProvidersService;
  webhooks: WebhooksService;
  refreshCookie: RefreshCookie;
  csrf: Csrf;
  session: PageSession;
  /** /setup, the first admin through the link a start logs */
  setup: FirstAdminSetup;
  /** "Sign in with Gatehouse": the provider and its clients (sign-in and consent of an authorization) */
  oidc: { host: OidcProviderHost; clients: OidcClientsService; grants: OidcGrantsService; now: () => number };
}

export const pagesRoutes: FastifyPluginAsync<PagesOptions> = async (app, o) => {
  // pages are not API: kept out of the OpenAPI document
  app.addHook('onRoute', function hideFromOpenApi(route) {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(fastifyCookie);
  await app.register(formbody);
  app.addHook('preValidation', async function requireCsrfToken(request) {
    if (request.method === 'POST') o.csrf.check(request);
  });

  // BRAND_COLOR and BRAND_LOGO_FILE as files under /assets/ (the logo was checked with the config)
  const brand = brandAssetsFor(o.settings.brandColor, o.settings.brandLogoFile);
  const kit = new PageKit({ csrf: o.csrf, session: o.session, users: o.users, brand: { name: o.settings.brandName, defaultLocale: o.settings.defaultLocale, stylesheet: brand.stylesheet, logo: brand.logo } });
  // the sections of /account, in page order (profile, password, email and deletion join here)
  const account = new AccountPage(kit, o.users, [mfaAccountSection(o.mfa), ...accountSections()]);

  await app.register(assetRoutes, { brand });
  await app.register(publicPagesRoutes, { kit, auth: o.auth, email: o.email, passwordReset: o.passwordReset, users: o.users, providers: o.providers, settings: o.settings });
  await app.register(mfaPagesRoutes, { kit, auth: o.auth, mfa: o.mfa, account });
  // off: 404 (and /login does not offer it)
  await app.register(emailLoginPagesRoutes, { kit, emailLogin: o.emailLogin });
  await app.register(sessionPagesRoutes, { kit, auth: o.auth, users: o.users, refreshCookie: o.refreshCookie, account });
  await app.register(dashboardPagesRoutes, { kit, users: o.users, sessions: o.sessions, oauth: o.oauth, providers: o.providers, cookieSecure: o.settings.cookieSecure, apps: o.oidc.grants });
  await app.register(accountPagesRoutes, { kit, auth: o.auth, email: o.email, account });
  if (o.products) await app.register(productsPagesRoutes, { kit, products: o.products });
  await app.register(adminUsersPagesRoutes, { kit, users: o.users, roles: o.roles, mfa: o.mfa, signIn: o.signIn, email: o.email, settings: o.settings });
  await app.register(adminSettingsPagesRoutes, { kit, roles: o.roles, providers: o.providers, audit: o.audit, users: o.users, settings: o.settings });
  await app.register(setupPagesRoutes, { kit, setup: o.setup, auth: o.auth });
  await app.register(adminPermissionsPagesRoutes, { kit, roles: o.roles });
  await app.register(adminWebhooksPagesRoutes, { kit, webhooks: o.webhooks });
  await app.register(oidcPagesRoutes, { kit, host: o.oidc.host, clients: o.oidc.clients, grants: o.oidc.grants, sessions: o.sessions, roles: o.roles, now: o.oidc.now });
  app.get('/', { schema: { hide: true } }, async function home(_request, reply) {
    return reply.redirect('/dashboard', 303);
  });
};

/** the error handler's HTML page (404, 403, 500 … for a browser), in the reader's language */
export function htmlErrorPage(brand: { name: string; defaultLocale: Locale; color?: string; logoFile?: string | null }): HtmlErrorPage {
  const files = brand.color ? brandAssetsFor(brand.color, brand.logoFile ?? null) : null;
  const look = files ? { brand: { stylesheet: files.stylesheet, logo: files.logo } } : {};
  return (e: ErrorPage, request) => errorPage({ csrf: '', user: null, t: readerTranslator(request, brand), ...look, ...(request.method === 'GET' ? { here: request.url } : {}) }, e);
}
