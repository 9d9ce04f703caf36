/**
 * Every setting Gatehouse reads, with its default and a one-line meaning: the one schema the
 * configuration comes from. The typed Config object (load-config.ts) is derived from this list —
 * each variable becomes its camelCase key (RATE_LIMIT_LOGIN_IP → rateLimitLoginIp) with the type
 * its kind parses to — and the README's configuration table is generated from it
 * (`npm run docs:config`; a test checks it has not drifted). Durations are integer seconds unless
 * the name says otherwise.
 */
export type SettingKind =
  | { readonly type: 'string' }
  | { readonly type: 'url' }
  | { readonly type: 'int'; readonly min: number; readonly max?: number }
  | { readonly type: 'number'; readonly min: number }
  | { readonly type: 'bool' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'rateLimit' }
  | { readonly type: 'list' }
  /** a CSS colour written `#rgb` or `#rrggbb` */
  | { readonly type: 'color' }
  | { readonly type: 'secretKey' };

export interface Setting {
  readonly env: string;
  readonly kind: SettingKind;
  /** default as it would be written in the environment; undefined = unset (the value is null) */
  readonly default?: string;
  /** shown in the README instead of the literal default */
  readonly defaultLabel?: string;
  readonly description: string;
}

/** a moving-window limit: `limit` hits per `windowSeconds` */
export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

const int = (min: number, max?: number) => ({ type: 'int', min, ...(max === undefined ? {} : { max }) }) as const;
const rate = <E extends string>(env: E, def: string, what: string) =>
  ({ env, kind: { type: 'rateLimit' }, default: def, description: `${what} (\`<count>/<seconds>\` moving window, or \`off\`)` }) as const;

export const settings = [
  { env: 'NODE_ENV', kind: { type: 'string' }, default: 'development', description: '`production` enables the production safety checks (SECRETS_KEY required with DATABASE_URL, https-only OAuth)' },
  { env: 'PORT', kind: int(0, 65535), default: '8000', description: 'HTTP port' },
  { env: 'HOST', kind: { type: 'string' }, default: '0.0.0.0', description: 'interface to listen on' },
  { env: 'PUBLIC_URL', kind: { type: 'url' }, defaultLabel: '`http://localhost:<PORT>`', description: 'externally visible base URL: token issuer, links, OAuth callbacks, Origin checks (set it whenever clients reach Gatehouse at another address, e.g. behind a proxy)' },
  { env: 'DATA_DIR', kind: { type: 'string' }, default: './data', description: 'where the embedded database and the generated secrets key live' },
  { env: 'DATABASE_URL', kind: { type: 'url' }, description: 'PostgreSQL 15+ connection string; unset = embedded PGlite under DATA_DIR' },
  { env: 'DATABASE_POOL_MAX', kind: int(1, 1000), default: '10', description: 'maximum PostgreSQL connections per instance' },
  { env: 'DATABASE_PREPARE', kind: { type: 'bool' }, default: 'true', description: 'run queries as named prepared statements on PostgreSQL (parsed and planned once per connection); `false` behind PgBouncer < 1.21 in transaction pooling mode' },
  { env: 'REDIS_URL', kind: { type: 'url' }, description: 'Redis 6+ for shared rate limits, lockouts and revocations; unset = in-process memory' },
  { env: 'REDIS_KEY_PREFIX', kind: { type: 'string' }, default: 'gatehouse:', description: 'prefix of every Redis key and channel' },
  { env: 'SECRETS_KEY', kind: { type: 'secretKey' }, defaultLabel: 'generated into DATA_DIR', description: '32 bytes, base64: encrypts private signing keys at rest; required with NODE_ENV=production and DATABASE_URL' },
  { env: 'SECRETS_KEY_PREVIOUS', kind: { type: 'secretKey' }, description: 'the SECRETS_KEY before a change (32 bytes, base64): secrets sealed under it still open until `gatehouse secrets rekey` has re-encrypted them; remove it afterwards' },
  { env: 'LOG_LEVEL', kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, default: 'info', description: 'log level (secrets are always redacted)' },
  { env: 'JWT_ALG', kind: { type: 'enum', values: ['ES256', 'EdDSA', 'RS256'] }, default: 'ES256', description: 'access-token signature algorithm: `ES256` (P-256, accepted by every common verifier), `EdDSA` (Ed25519; not by jsonwebtoken/jwks-rsa or get-jwks) or `RS256` (RSA 2048); `gatehouse keys rotate` moves to a new value' },
  { env: 'TOKEN_AUDIENCE', kind: { type: 'string' }, default: 'gatehouse', description: '`aud` claim of access tokens' },
  { env: 'ACCESS_TOKEN_TTL', kind: int(1, 86400), default: '900', description: 'access-token lifetime, seconds (from 1; a warning under 60, which only tests of refresh logic want)' },
  { env: 'REFRESH_TOKEN_TTL', kind: int(60), default: '604800', description: 'refresh-token lifetime, seconds (renewed on each rotation)' },
  { env: 'SESSION_MAX_AGE', kind: int(60), default: '2592000', description: 'absolute session lifetime, seconds' },
  { env: 'REFRESH_REUSE_GRACE', kind: int(0, 300), default: '10', description: 'seconds during which a just-rotated refresh token still works (concurrent tabs); later reuse revokes the session' },
  { env: 'REFRESH_COOKIE_NAME', kind: { type: 'string' }, default: 'refresh_token', description: 'name of the refresh-token cookie' },
  { env: 'COOKIE_SECURE', kind: { type: 'bool' }, default: 'true', description: '`Secure` flag on cookies (set `false` only for plain-http development)' },
  { env: 'COOKIE_DOMAIN', kind: { type: 'string' }, description: 'cookie Domain attribute; unset = host-only' },
  { env: 'INTROSPECTION_TOKEN', kind: { type: 'string' }, description: 'bearer secret for POST /api/v1/auth/introspect; unset = endpoint off (404)' },
  { env: 'METRICS_TOKEN', kind: { type: 'string' }, description: 'bearer secret GET /metrics requires when set; unset = `/metrics` is open (keep it off the public side at the proxy: the shipped nginx site denies it)' },
  { env: 'REGISTRATION', kind: { type: 'enum', values: ['open', 'closed'] }, default: 'open', description: '`closed` = only admins create accounts' },
  { env: 'ACCOUNT_EMAIL', kind: { type: 'enum', values: ['required', 'optional'] }, default: 'required', description: '`optional`: accounts may have a username and no email (they sign in by username and get no mail until they add an address)' },
  { env: 'REQUIRE_EMAIL_VERIFICATION', kind: { type: 'bool' }, default: 'false', description: 'refuse sign-in until the email address is verified' },
  { env: 'EMAIL_LOGIN', kind: { type: 'enum', values: ['on', 'off'] }, default: 'off', description: '`on`: sign-in by an emailed code or one-click link (verified addresses only; `/login` offers it); `off`: its endpoints and `/login/email` answer 404' },
  { env: 'SMTP_URL', kind: { type: 'url' }, description: 'SMTP server mail is sent through, e.g. `smtps://user:pass@smtp.example.com:465` or `smtp://127.0.0.1:25`; unset = the development outbox at `/dev/mail` (mail stays queued when NODE_ENV=production)' },
  { env: 'MAIL_FROM', kind: { type: 'string' }, default: 'Gatehouse <no-reply@localhost>', description: 'From address of every email' },
  { env: 'MAIL_TEMPLATES_DIR', kind: { type: 'string' }, description: 'directory of operator templates (`<name>.subject.txt`, `<name>.txt`, `<name>.html`; `<name>.<locale>.subject.txt` … for one language) that replace the built-in ones; see Email in the README' },
  { env: 'MAIL_WORKER', kind: { type: 'enum', values: ['on', 'off'] }, default: 'on', description: '`off`: `serve` does not deliver mail (run `gatehouse worker` elsewhere)' },
  { env: 'MAIL_RETRY_MAX_SECONDS', kind: int(1, 86400), default: '30', description: 'longest wait between two delivery attempts (exponential backoff from 1 s)' },
  { env: 'MAIL_MAX_ATTEMPTS', kind: int(1), default: '100', description: 'delivery attempts before a message is marked dead (logged); an SMTP 5xx refusal is final at once' },
  { env: 'PRODUCTS', kind: { type: 'enum', values: ['on', 'off'] }, default: 'off', description: '`on`: the sample products module — `/api/v1/products`, the `/products` page, the `products:*` permissions and the seeded `seller` and `buyer` roles; `off`: its routes answer 404 and its permissions leave the catalogue (products already stored stay in the database)' },
  { env: 'WEBHOOK_TIMEOUT_SECONDS', kind: int(1, 300), default: '10', description: 'a webhook delivery succeeds when a 2xx answer arrives whole within this time' },
  { env: 'WEBHOOK_RETRY_MAX_SECONDS', kind: int(1, 86400), default: '3600', description: 'longest wait between two webhook attempts (1 s, doubling, ±20 % jitter)' },
  { env: 'WEBHOOK_MAX_ATTEMPTS', kind: int(1, 1000), default: '10', description: 'webhook attempts before a delivery is `dead` (kept, retryable by an admin)' },
  { env: 'WEBHOOK_ALLOW_PRIVATE', kind: { type: 'bool' }, default: 'false', description: 'in production, allow webhook URLs that resolve to loopback, private or link-local addresses' },
  { env: 'DEFAULT_ROLE', kind: { type: 'string' }, defaultLabel: '`user`; `buyer` with PRODUCTS=on', description: 'role given to new users' },
  { env: 'ADMIN_EMAIL', kind: { type: 'string' }, description: 'with ADMIN_PASSWORD: admin created at start when no active admin exists' },
  { env: 'ADMIN_PASSWORD', kind: { type: 'string' }, description: 'password of that first admin (strength rules apply)' },
  { env: 'PASSWORD_MIN_SCORE', kind: int(0, 4), default: '3', description: 'minimum zxcvbn score (0–4) of a new password' },
  { env: 'ARGON2_MEMORY_KIB', kind: int(1024), default: '19456', description: 'argon2id memory cost, KiB (OWASP)' },
  { env: 'ARGON2_TIME_COST', kind: int(1), default: '2', description: 'argon2id iterations (OWASP)' },
  { env: 'ARGON2_PARALLELISM', kind: int(1, 16), default: '1', description: 'argon2id lanes (OWASP)' },
  { env: 'HASH_CONCURRENCY', kind: int(1, 256), defaultLabel: 'CPU cores', description: 'password hashes computed at once, off the event loop' },
  { env: 'HASH_QUEUE_MAX', kind: int(0), default: '256', description: 'hashes allowed to wait; beyond, `503 server_busy` with Retry-After' },
  { env: 'LOCKOUT_THRESHOLD', kind: int(1), default: '5', description: 'failed logins for one identifier that lock it' },
  { env: 'LOCKOUT_MINUTES', kind: { type: 'number', min: 0.001 }, default: '15', description: 'failures count within this many minutes, and a lock lasts this long from the failure that completes it (decimals allowed: 0.05 = 3 s)' },
  rate('RATE_LIMIT_LOGIN_IP', '20/60', 'login attempts per client IP'),
  rate('RATE_LIMIT_LOGIN_ID', '10/60', 'login attempts per typed identifier'),
  rate('RATE_LIMIT_REGISTER_IP', '10/3600', 'registrations per client IP'),
  rate('RATE_LIMIT_REFRESH_IP', '60/60', 'refreshes per client IP'),
  rate('RATE_LIMIT_RESET_IP', '5/3600', 'password-reset requests per client IP (used by the email feature)'),
  rate('RATE_LIMIT_RESET_ID', '3/3600', 'password-reset requests per email (used by the email feature)'),
  rate('RATE_LIMIT_EMAIL_LOGIN_IP', '10/3600', 'sign-in code requests (EMAIL_LOGIN) per client IP'),
  rate('RATE_LIMIT_EMAIL_LOGIN_ID', '3/3600', 'sign-in code requests (EMAIL_LOGIN) per email'),
  rate('RATE_LIMIT_CODE_ID', '10/600', 'code entries per account (used by the email feature)'),
  rate('RATE_LIMIT_API_IP', '600/60', 'all API requests per client IP'),
  rate('RATE_LIMIT_OIDC_TOKEN_IP', '60/60', 'requests to the OpenID Connect token endpoint per client IP'),
  { env: 'TRUSTED_PROXIES', kind: { type: 'list' }, default: '', description: 'comma-separated IPs/CIDRs whose X-Forwarded-For is trusted; empty = ignore the header' },
  { env: 'CORS_ORIGINS', kind: { type: 'list' }, default: '', description: 'comma-separated origins allowed to call the API with credentials' },
  { env: 'BRAND_NAME', kind: { type: 'string' }, default: 'Gatehouse', description: 'the product name every page title and header, and every mail (sender name, subjects, signature), shows' },
  { env: 'BRAND_COLOR', kind: { type: 'color' }, default: '#0b57d0', description: 'the accent colour of the pages (`#rgb` or `#rrggbb`); text on it is white or black, whichever contrasts more' },
  { env: 'BRAND_LOGO_FILE', kind: { type: 'string' }, description: 'an SVG or PNG file shown in the pages\' header, served by Gatehouse itself (the CSP stays strict); unset = the name only' },
  { env: 'DEFAULT_LOCALE', kind: { type: 'enum', values: ['en', 'de'] }, default: 'en', description: 'the language of pages when neither the language switch nor `Accept-Language` names a known one, and of mail when nothing tells the reader\'s language' },
  { env: 'MFA_ISSUER', kind: { type: 'string' }, defaultLabel: 'hostname of PUBLIC_URL', description: 'issuer shown by authenticator apps for TOTP (`otpauth://` URI) and the WebAuthn relying-party name' },
  { env: 'GEOIP_DB', kind: { type: 'string' }, description: 'path to a MaxMind .mmdb (GeoLite2/GeoIP2 City or Country) for session locations; unset = no location' },
  { env: 'SHUTDOWN_TIMEOUT_SECONDS', kind: int(1, 600), default: '10', description: 'on SIGTERM/SIGINT: /health/ready answers 503 at once, requests in flight finish, pools close; connections still open at this deadline are closed and the process exits' },
  { env: 'SHUTDOWN_DRAIN_SECONDS', kind: int(0, 300), default: '1', description: 'on SIGTERM/SIGINT: how long the instance keeps accepting while /health/ready answers 503, so a load balancer or orchestrator polling it stops sending new work; then the listener closes (within SHUTDOWN_TIMEOUT_SECONDS)' },
  { env: 'BODY_LIMIT_BYTES', kind: int(1024), default: '65536', description: 'largest accepted request body; larger = `413 payload_too_large`' },
] as const satisfies readonly Setting[];

export type SettingName = (typeof settings)[number]['env'];

/** RATE_LIMIT_LOGIN_IP → rateLimitLoginIp (the same rule as camelKey below) */
type CamelTail<S extends string> = S extends `${infer H}_${infer T}` ? `${Capitalize<Lowercase<H>>}${CamelTail<T>}` : Capitalize<Lowercase<S>>;
export type CamelKey<S extends string> = S extends `${infer H}_${infer T}` ? `${Lowercase<H>}${CamelTail<T>}` : Lowercase<S>;

export function camelKey(env: string): string {
  return env.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type KindValue<K extends SettingKind> = K extends { type: 'int' | 'number' }
  ? number
  : K extends { type: 'bool' }
    ? boolean
    : K extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : K extends { type: 'rateLimit' }
        ? RateLimit | null
        : K extends { type: 'list' }
          ? readonly string[]
          : string;

type SettingValue<S extends Setting> = S extends { default: string } ? KindValue<S['kind']> : KindValue<S['kind']> | null;

/** every setting under its camelCase key, typed by its kind; null where unset without a default */
export type SettingValues = { readonly [S in (typeof settings)[number] as CamelKey<S['env']>]: SettingValue<S> };
