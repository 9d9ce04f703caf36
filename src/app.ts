/**
 * buildApp(config, edges?) wires Gatehouse together and returns a ready Fastify instance that has
 * not started listening: database -> repositories -> services -> route plugins, in plain sight.
 * Tests pass edges (a clock, an already-open database, a store) and use app.inject.
 */
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { errorCodes, LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Socket } from 'node:net';
import { adminRoutes } from './admin/admin-routes.js';
import { AuditRepository } from './audit/audit-repository.js';
import { AuditService, systemContext } from './audit/audit-service.js';
import { registerAuthGuard } from './auth/auth-guard.js';
import { authRoutes } from './auth/auth-routes.js';
import { AuthService } from './auth/auth-service.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { PasswordPolicy } from './auth/password-policy.js';
import { RefreshCookie } from './auth/refresh-cookie.js';
import { systemClock, type Clock, type EphemeralStore } from './cache/ephemeral-store.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import { MemoryStore } from './cache/memory-store.js';
import { RedisStore } from './cache/redis-store.js';
import type { Config } from './config/load-config.js';
import { checkDatabase, openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { DomainError } from './errors.js';
import { healthRoutes } from './health/health-routes.js';
import { helloRoutes } from './hello/hello-routes.js';
import { clientIp } from './http/client-ip.js';
import { frameworkErrorHandler, registerErrorHandling } from './http/error-handler.js';
import { lazyChildLoggerFactory, logOptions, redactUrl } from './http/logging.js';
import { preRouteHeaders, rawProblemResponse } from './http/problem.js';
import { ProblemSchema } from './http/schema-helpers.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { validatorCompiler } from './http/validation.js';
import { jwksRoutes } from './keys/jwks-routes.js';
import { KeyService } from './keys/key-service.js';
import { SigningKeysRepository } from './keys/signing-keys-repository.js';
import { ProductsRepository } from './products/products-repository.js';
import { productsRoutes } from './products/products-routes.js';
import { ProductsService } from './products/products-service.js';
import { RolesRepository } from './roles/roles-repository.js';
import { RolesService } from './roles/roles-service.js';
import { RateLimiter } from './security/rate-limiter.js';
import { resolveSecretsKey, SecretBox } from './security/secret-box.js';
import { sessionsRoutes } from './sessions/sessions-routes.js';
import { SessionsRepository } from './sessions/sessions-repository.js';
import { SessionsService } from './sessions/sessions-service.js';
import { noGeoIp, openGeoIp } from './sessions/geoip.js';
import { UsersRepository } from './users/users-repository.js';
import { UsersService } from './users/users-service.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Edges {
  clock?: Clock;
  /** an open database (tests); buildApp still runs migrations and closes it on app.close() */
  database?: DatabaseHandle;
  store?: EphemeralStore;
  logger?: FastifyServerOptions['logger'];
}

/** the services of one Gatehouse instance, shared by the HTTP app and the CLI */
export interface Services {
  config: Config;
  clock: Clock;
  database: DatabaseHandle;
  store: EphemeralStore;
  bus: InvalidationBus;
  hasher: PasswordHasher;
  keys: KeyService;
  audit: AuditService;
  roles: RolesService;
  users: UsersService;
  sessions: SessionsService;
  auth: AuthService;
  products: ProductsService;
  limiter: RateLimiter;
  close(): Promise<void>;
}

export async function createServices(config: Config, edges: Edges = {}): Promise<Services> {
  const clock = edges.clock ?? systemClock;
  const database =
    edges.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, prepare: config.databasePrepare }));
  const store =
    edges.store ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, clock }) : new MemoryStore(clock));
  try {
    if (config.redisUrl) {
      // refuse to start against an unreachable Redis rather than hang on the first command
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`Redis at REDIS_URL did not answer within 5 s`)), 5000).unref()),
      ]);
    }
    await migrateToLatest(database.db);
    const { key: masterKey } = resolveSecretsKey(config.secretsKey, config.dataDir);
    const db = database.db;
    const bus = new InvalidationBus(store);
    await bus.start();

    const policy = new PasswordPolicy(config.passwordMinScore);
    policy.warmUp();
    const limiter = new RateLimiter(store);
    const keys = new KeyService({
      db,
      repo: new SigningKeysRepository(),
      box: new SecretBox(masterKey, 'signing-keys'),
      alg: config.jwtAlg,
      issuer: config.publicUrl,
      audience: config.tokenAudience,
      accessTokenTtl: config.accessTokenTtl,
      clock,
    });
    await keys.init();
    const audit = new AuditService(db, new AuditRepository(), clock);
    const usersRepo = new UsersRepository();
    const roles = new RolesService({ db, roles: new RolesRepository(), users: usersRepo, audit, bus, clock, defaultRole: config.defaultRole });
    // every sign-up would fail on a role nobody asked for: refuse to start instead, naming the setting
    if ((await roles.unknownRoles([config.defaultRole])).length > 0) {
      throw new Error(`DEFAULT_ROLE=${config.defaultRole} names no role. Use an existing role (seeded: buyer, seller, admin), or create it through the admin API first and then set DEFAULT_ROLE.`);
    }
    const sessions = new SessionsService({
      db,
      repo: new SessionsRepository(),
      audit,
      bus,
      box: new SecretBox(masterKey, 'refresh-tokens'),
      clock,
      refreshTokenTtl: config.refreshTokenTtl,
      sessionMaxAge: config.sessionMaxAge,
      reuseGraceSeconds: config.refreshReuseGrace,
      geoip: config.geoipDb ? openGeoIp(config.geoipDb) : noGeoIp,
    });
    // last: its worker threads are the one part that must be closed if start-up fails after it
    const hasher = new PasswordHasher({ ...config.argon2, concurrency: config.hashConcurrency, queueMax: config.hashQueueMax });
    const users = new UsersService({ db, repo: usersRepo, roles, sessions, audit, bus, hasher, policy, clock, defaultRole: config.defaultRole });
    const auth = new AuthService({ db, config, users, sessions, roles, keys, audit, hasher, policy, limiter, store, clock });
    const products = new ProductsService({ db, repo: new ProductsRepository(), audit, clock });

    return {
      config, clock, database, store, bus, hasher, keys, audit, roles, users, sessions, auth, products, limiter,
      async close() {
        keys.close();
        await hasher.close();
        await store.close();
        await database.close();
      },
    };
  } catch (error) {
    await store.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}

export async function buildApp(config: Config, edges: Edges = {}): Promise<FastifyInstance> {
  const services = await createServices(config, edges);
  try {
    return await buildHttp(services, edges);
  } catch (error) {
    await services.close();
    throw error;
  }
}

async function buildHttp(services: Services, edges: Edges): Promise<FastifyInstance> {
  const { config } = services;
  const hsts = config.publicUrl.startsWith('https://');
  const earlyHeaders = preRouteHeaders(hsts);
  const app = Fastify({
    logger: edges.logger ?? logOptions(config.logLevel),
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => crypto.randomUUID(),
    // one line per request (onResponse below) instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    childLoggerFactory: lazyChildLoggerFactory,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler(earlyHeaders),
    clientErrorHandler: function clientError(error: NodeJS.ErrnoException, socket: Socket) {
      if (!socket.writable) return socket.destroy();
      // SPEC §2: an over-long URL (Node's parser counts it with the headers) is a 400 validation_error too
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      socket.end(
        rawProblemResponse(400, 'Bad Request', 'validation_error', 'Validation failed', {
          detail: tooLarge ? 'The URL or the headers are too large.' : 'The request is malformed.',
          errors: [{ field: '(request)', message: tooLarge ? 'is too large' : 'is malformed' }],
        }, earlyHeaders),
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // hooks that would do nothing are not registered at all: every hook costs on every request
  if (['info', 'debug', 'trace'].includes(config.logLevel)) {
    app.addHook('onResponse', function logRequest(request, reply, done) {
      request.log.info({ method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: clientIp(request) }, 'request');
      done();
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ProblemSchema);
  registerErrorHandling(app);
  registerSecurityHeaders(app, { hsts });

  // an empty body is "no body" (POST /auth/refresh and /auth/logout with a Content-Type and nothing else)
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, function parseJson(request, body, done) {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    defaultJson(request, body as string, done);
  });
  // … whatever its Content-Type (`curl -d ''` sends a form type, `fetch(url, { body: '' })` sends
  // text/plain, so Fastify's own text parser goes); any other body must be JSON (SPEC §2: JSON in;
  // the introspection route adds form bodies for itself)
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, function emptyBodyOnly(request, body, done) {
    if (body === '') return done(null, undefined);
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(request.headers['content-type'] ?? '')));
  });
  await app.register(cookie);
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

  // API-wide limit per client IP, before authentication (429 first)
  const apiLimit = config.rateLimits.apiIp;
  if (apiLimit) {
    app.addHook('onRequest', async function apiRateLimit(request) {
      if (isApiRequest(request)) await services.limiter.hit('api-ip', clientIp(request), apiLimit);
    });
  }
  registerAuthGuard(app, services.auth);

  const cookieHelper = new RefreshCookie(config);
  await app.register(authRoutes, { prefix: '/api/v1/auth', auth: services.auth, users: services.users, cookie: cookieHelper, config });
  await app.register(sessionsRoutes, { prefix: '/api/v1/auth', sessions: services.sessions });
  await app.register(helloRoutes, { prefix: '/api/v1' });
  await app.register(productsRoutes, { prefix: '/api/v1', products: services.products });
  await app.register(adminRoutes, { prefix: '/api/v1/admin', users: services.users, roles: services.roles, sessions: services.sessions, audit: services.audit });
  await app.register(jwksRoutes, { keys: services.keys });
  const checks: Record<string, () => Promise<void>> = { database: () => checkDatabase(services.database.db) };
  if (config.redisUrl) checks.redis = () => services.store.ping();
  await app.register(healthRoutes, { version: VERSION, checks });

  app.decorate('services', services);
  app.addHook('onClose', async () => services.close());

  if (config.adminEmail && config.adminPassword) {
    const result = await services.users
      .ensureAdmin(systemContext, { email: config.adminEmail, password: config.adminPassword }, 'bootstrap')
      .catch((error: unknown) => {
        if (!(error instanceof DomainError)) throw error;
        // name the variables, not the request fields of the API it reuses
        const fields = (error.errors ?? []).map((e) => `${e.field === 'password' ? 'ADMIN_PASSWORD' : e.field === 'email' ? 'ADMIN_EMAIL' : e.field} ${e.message}`);
        const about = error.code === 'weak_password' ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL/ADMIN_PASSWORD';
        throw new Error(`${about}: ${[error.detail ?? error.title, ...fields].join('; ')}`);
      });
    if (result.created) app.log.info({ email: config.adminEmail }, 'created the first admin from ADMIN_EMAIL');
    else if (result.reason !== 'an active admin exists') app.log.warn({ email: config.adminEmail, reason: result.reason }, 'ADMIN_EMAIL: admin not created');
  }
  await app.ready();
  return app;
}

/** by the matched route, so a percent-encoded path (/%61pi/…) is counted like the one it reaches */
function isApiRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined) return route.startsWith('/api/');
  const path = request.url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(path).startsWith('/api/');
  } catch {
    return path.startsWith('/api/');
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}
