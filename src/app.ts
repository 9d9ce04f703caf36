/**
 * buildApp(config, edges?) wires Gatehouse's HTTP side and returns a ready Fastify instance that
 * has not started listening: the services (services.ts) -> route plugins with those services as
 * options, in plain sight. HTTP concerns only: logging, validation, errors, security headers,
 * body parsing, the API-wide limit, the route guard and the routes. Tests pass edges (a clock, an
 * already-open database, a store) and use app.inject.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { adminRoutes } from './admin/admin-routes.js';
import { webhooksRoutes } from './webhooks/webhooks-routes.js';
import { authRoutes } from './auth/auth-routes.js';
import { RefreshCookie } from './auth/refresh-cookie.js';
import { checkDatabase } from './db/database.js';
import { emailRoutes } from './email-ownership/email-routes.js';
import { passwordResetRoutes } from './email-ownership/password-reset-routes.js';
import { healthRoutes } from './health/health-routes.js';
import { helloRoutes } from './hello/hello-routes.js';
import { registerApiRateLimit } from './http/api-rate-limit.js';
import { registerBodyParsing } from './http/body-parsing.js';
import { Csrf } from './http/csrf.js';
import { clientIp } from './http/client-ip.js';
import { frameworkErrorHandler, registerErrorHandling } from './http/error-handler.js';
import { createLogging, lazyChildLoggerFactory } from './http/logging.js';
import { preRouteHeaders, rawProblemResponse } from './http/problem.js';
import { requestIdGenerator } from './http/request-id.js';
import { registerRouteGuard } from './http/route-guard.js';
import { ProblemSchema } from './http/schema-helpers.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { validatorCompiler } from './http/validation.js';
import { jwksRoutes } from './keys/jwks-routes.js';
import { metricsRoutes, registerRequestMetrics } from './metrics/metrics-routes.js';
import { devMailRoutes } from './mail/dev-mail-routes.js';
import { oauthRoutes } from './social/social-routes.js';
import { mfaLoginRoutes } from './auth/mfa-login-routes.js';
import { emailLoginRoutes } from './email-login/email-login-routes.js';
import { mfaRoutes } from './mfa/mfa-routes.js';
import { oidcClientsRoutes } from './oidc/oidc-clients-routes.js';
import { oidcGrantsRoutes } from './oidc/oidc-grants-routes.js';
import { oidcProviderRoutes } from './oidc/oidc-routes.js';
import { PageSession } from './pages/page-session.js';
import { htmlErrorPage, pagesRoutes } from './pages/pages-routes.js';
import { productsRoutes } from './products/products-routes.js';
import { createServices, type ServiceEdges, type Services } from './services.js';
import { sessionsRoutes } from './sessions/sessions-routes.js';
import { profileRoutes } from './users/profile-routes.js';
import { bootstrapAdmin, FirstAdminSetup } from './users/admin-bootstrap.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Edges extends ServiceEdges, HttpOptions {}

export interface HttpOptions {
  /** where the log goes: stdout (default), a stream (tests capture it), or nowhere (false) */
  logTo?: { write(line: string): unknown } | false;
  /** instead of LOG_LEVEL (tests) */
  logLevel?: string;
}

/** the HTTP app over a fresh set of services */
export async function buildApp(config: Services['config'], edges: Edges = {}): Promise<FastifyInstance> {
  return buildHttpApp(await createServices(config, edges), edges);
}

/**
 * The HTTP app over `services`, which it then owns: closing the app closes them (and a failed
 * build closes them too).
 */
const lifecycles = new WeakMap<FastifyInstance, { draining: boolean }>();

/**
 * Graceful stop (SIGTERM): /health/ready answers 503 from now on and, for `drainMs`, the instance
 * keeps serving so whoever polls it stops sending new work; then the listener closes, requests in
 * flight finish (idle keep-alive connections are closed), and the services close (pools, store,
 * hashing threads). Connections still open a second before `timeoutMs` are cut so the pools can
 * close in time. Resolves when everything is closed; rejects when closing failed.
 */
export async function closeGracefully(app: FastifyInstance, { drainMs, timeoutMs }: { drainMs: number; timeoutMs: number }): Promise<void> {
  const lifecycle = lifecycles.get(app);
  if (lifecycle) lifecycle.draining = true;
  // every answer from now on closes its connection, so a proxy's kept-alive connections are gone
  // before the listener closes (instead of one being reused at the moment it is cut)
  app.server.prependListener('request', (_request: unknown, response: { setHeader(name: string, value: string): void }) => response.setHeader('connection', 'close'));
  const cut = setTimeout(() => app.server.closeAllConnections(), Math.max(0, timeoutMs - 1000));
  cut.unref();
  try {
    await sleep(Math.max(0, Math.min(drainMs, timeoutMs - 2000)));
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}

export async function buildHttpApp(services: Services, options: HttpOptions = {}): Promise<FastifyInstance> {
  try {
    return await wire(services, options);
  } catch (error) {
    await services.close();
    throw error;
  }
}

async function wire(services: Services, options: HttpOptions): Promise<FastifyInstance> {
  const { config } = services;
  const hsts = config.publicUrl.startsWith('https://');
  const earlyHeaders = preRouteHeaders(hsts);
  const logging = createLogging(options.logLevel ?? config.logLevel, options.logTo);
  const app = Fastify({
    loggerInstance: logging.logger,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdGenerator(config.trustedProxies),
    // one line per request (onResponse below) instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    childLoggerFactory: lazyChildLoggerFactory,
    routerOptions: { maxParamLength: 200 },
    // while closing, requests that still arrive on open connections are served (ready says 503
    // through its own flag), rather than refused with a body that is not problem+json
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler(earlyHeaders),
    clientErrorHandler: function clientError(error: NodeJS.ErrnoException, socket: Socket) {
      if (!socket.writable) return socket.destroy();
      // docs/api.md: an over-long URL (Node's parser counts it with the headers) is a 400 validation_error too
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      socket.end(
        rawProblemResponse(400, 'Bad Request', 'validation_error', 'Validation failed', {
          detail: tooLarge ? 'The URL or the headers are too large.' : 'The request is malformed.',
          errors: [{ field: '(request)', message: tooLarge ? 'is too large' : 'is malformed' }],
        }, earlyHeaders),
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onClose', async function closeServices() {
    await services.close();
  });

  // hooks that would do nothing are not registered at all: every hook costs on every request
  const access = logging.access;
  if (access) {
    app.addHook('onResponse', function logRequest(request, reply, done) {
      access({ requestId: request.id, method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: clientIp(request) });
      done();
    });
  }
  registerRequestMetrics(app, services.metrics);
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ProblemSchema);
  registerErrorHandling(app, { htmlPage: htmlErrorPage({ name: config.brandName, defaultLocale: config.defaultLocale, color: config.brandColor, logoFile: config.brandLogoFile }) });
  registerSecurityHeaders(app, { hsts });
  registerBodyParsing(app);
  if (config.corsOrigins.length > 0) await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && config.corsOrigins.includes(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    maxAge: 600,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse', version: VERSION, description: 'Authentication and account service' },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // 429 first, then 401 → 403 (the guard), then validation
  registerApiRateLimit(app, services.limiter, config.rateLimitApiIp);
  const refreshCookie = new RefreshCookie(config);
  const pageSession = new PageSession(config, refreshCookie);
  const setup = new FirstAdminSetup({ users: services.users, store: services.store, publicUrl: config.publicUrl });
  registerRouteGuard(app, services.auth, pageSession);

  await app.register(authRoutes, { prefix: '/api/v1/auth', auth: services.auth, cookie: refreshCookie, introspectionToken: config.introspectionToken });
  await app.register(profileRoutes, { prefix: '/api/v1/auth', users: services.users });
  await app.register(sessionsRoutes, { prefix: '/api/v1/auth', sessions: services.sessions });
  await app.register(emailRoutes, { prefix: '/api/v1/auth', email: services.email });
  await app.register(passwordResetRoutes, { prefix: '/api/v1/auth', passwordReset: services.passwordReset });
  if (services.mail.devOutbox) await app.register(devMailRoutes, { mail: services.mail, brand: { name: config.brandName, defaultLocale: config.defaultLocale } });
  await app.register(oauthRoutes, { prefix: '/api/v1/auth', oauth: services.oauth, providers: services.oauthProviders, auth: services.auth, cookie: refreshCookie, cookieSecure: config.cookieSecure });
  await app.register(mfaRoutes, { prefix: '/api/v1/auth', mfa: services.mfa });
  await app.register(mfaLoginRoutes, { prefix: '/api/v1/auth', mfa: services.mfa, cookie: refreshCookie });
  // off: not registered, so its paths answer 404 like any unknown one
  if (services.emailLogin.enabled) await app.register(emailLoginRoutes, { prefix: '/api/v1/auth', emailLogin: services.emailLogin, cookie: refreshCookie });
  await app.register(helloRoutes, { prefix: '/api/v1' });
  // the products module (PRODUCTS=on); off, its paths are unknown routes: 404 not_found
  if (config.products === 'on') await app.register(productsRoutes, { prefix: '/api/v1', products: services.products });
  await app.register(adminRoutes, { prefix: '/api/v1/admin', users: services.users, roles: services.roles, audit: services.audit, oauthProviders: services.oauthProviders, mfa: services.mfa, signIn: services.signIn, email: services.email });
  await app.register(webhooksRoutes, { prefix: '/api/v1/admin', webhooks: services.webhooks });
  await app.register(oidcClientsRoutes, { prefix: '/api/v1/admin', clients: services.oidcClients });
  await app.register(oidcGrantsRoutes, { prefix: '/api/v1/auth', grants: services.oidcGrants });
  await app.register(oidcProviderRoutes, { host: services.oidcProvider, publicUrl: config.publicUrl, hsts, limiter: services.limiter, tokenLimit: config.rateLimitOidcTokenIp });
  await app.register(pagesRoutes, {
    settings: config,
    auth: services.auth,
    users: services.users,
    sessions: services.sessions,
    oauth: services.oauth,
    products: config.products === 'on' ? services.products : null,
    roles: services.roles,
    audit: services.audit,
    email: services.email,
    passwordReset: services.passwordReset,
    mfa: services.mfa,
    emailLogin: services.emailLogin,
    signIn: services.signIn,
    providers: services.oauthProviders,
    webhooks: services.webhooks,
    refreshCookie,
    csrf: new Csrf({ key: services.csrfKey, publicOrigin: config.publicOrigin, secure: config.cookieSecure, domain: config.cookieDomain }),
    session: pageSession,
    setup,
    oidc: { host: services.oidcProvider, clients: services.oidcClients, grants: services.oidcGrants, now: () => services.clock.now() },
  });
  await app.register(jwksRoutes, { keys: services.keys });
  await app.register(metricsRoutes, { metrics: services.metrics, token: config.metricsToken });
  const checks: Record<string, () => Promise<void>> = { database: () => checkDatabase(services.database.db) };
  if (config.redisUrl) checks.redis = () => services.store.ping();
  const lifecycle = { draining: false };
  lifecycles.set(app, lifecycle);
  await app.register(healthRoutes, { version: VERSION, checks, draining: () => lifecycle.draining });

  for (const warning of services.warnings) app.log.warn(warning);
  services.database.onConnectionError?.((cause) => app.log.warn({ cause }, 'database connection lost; the pool opens a new one'));

  // docs/operations.md: the first admin exists before /health/ready first answers 200
  if (config.adminEmail && config.adminPassword) {
    const result = await bootstrapAdmin(services.users, config.adminEmail, config.adminPassword);
    if (result.created) app.log.info({ email: config.adminEmail }, 'created the first admin from ADMIN_EMAIL');
    else if (!result.adminExists) app.log.warn({ email: config.adminEmail, reason: result.reason }, 'ADMIN_EMAIL: admin not created');
  }
  // still no admin: a one-time link for the operator, in the message itself (a one-time credential
  // meant for this log, like the development outbox's mail; no redacted field hides it)
  const setupLink = await setup.issueLink();
  if (setupLink) app.log.warn(`No admin account exists yet. To create the first one, open this one-time link (it works until an admin exists, for 24 hours; each start logs a new one): ${setupLink}`);
  await app.ready();
  return app;
}
