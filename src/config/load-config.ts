/**
 * loadConfig(env): validates every setting of config-schema.ts at once and returns one deeply
 * frozen, typed Config. Its type is derived from the schema (no hand-written twin to drift), plus
 * a few values computed from the settings. Only entry points call it with process.env; tests build
 * their own environment.
 */
import { readBrandLogo } from './brand-logo.js';
import { availableParallelism } from 'node:os';
import { camelKey, settings, type RateLimit, type Setting, type SettingKind, type SettingValues } from './config-schema.js';
import { parseOAuthEnv, type OAuthEnvProvider } from './oauth-env.js';

export type { RateLimit } from './config-schema.js';

export type Config = Readonly<
  Omit<SettingValues, 'hashConcurrency' | 'publicUrl' | 'defaultRole'> & {
    /** PUBLIC_URL without a trailing slash (the token issuer); unset: `http://localhost:<PORT>` */
    publicUrl: string;
    /** PUBLIC_URL's origin (Origin checks) */
    publicOrigin: string;
    production: boolean;
    /** LOCKOUT_MINUTES in seconds */
    lockoutSeconds: number;
    /** DEFAULT_ROLE, or the seeded role that fits the modules: `buyer` with PRODUCTS=on, else `user` */
    defaultRole: string;
    /** HASH_CONCURRENCY, or the number of CPU cores when unset */
    hashConcurrency: number;
    /** the OAUTH_<ID>_* providers (docs/security.md), by id */
    oauthProviders: readonly OAuthEnvProvider[];
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseValue(kind: SettingKind, raw: string): unknown {
  switch (kind.type) {
    case 'string':
      return raw;
    case 'url': {
      try {
        new URL(raw);
      } catch {
        throw new Error('must be a URL');
      }
      return raw;
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new Error('must be an integer');
      const n = Number(raw);
      if (n < kind.min || (kind.max !== undefined && n > kind.max)) {
        throw new Error(`must be between ${kind.min} and ${kind.max ?? 'infinity'}`);
      }
      return n;
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n < kind.min) throw new Error(`must be a number >= ${kind.min}`);
      return n;
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new Error('must be true or false');
    }
    case 'enum':
      if (!kind.values.includes(raw)) throw new Error(`must be one of ${kind.values.join(', ')}`);
      return raw;
    case 'rateLimit': {
      if (raw.toLowerCase() === 'off') return null;
      const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error('must be <count>/<seconds> (e.g. 20/60) or off');
      return { limit: Number(m[1]), windowSeconds: Number(m[2]) } satisfies RateLimit;
    }
    case 'color':
      if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(raw.trim())) throw new Error('must be a colour written #rgb or #rrggbb');
      return raw.trim().toLowerCase();
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'secretKey': {
      if (Buffer.from(raw, 'base64').length !== 32) throw new Error('must be 32 bytes encoded as base64 (openssl rand -base64 32)');
      return raw;
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates every setting at once and returns a frozen, typed config. Unknown variables are
 * ignored (the environment holds much more than ours); every bad one is reported together.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const s of settings as readonly Setting[]) {
    const raw = env[s.env];
    const value = raw === undefined || raw === '' ? s.default : raw;
    values[camelKey(s.env)] = null;
    if (value === undefined) continue;
    try {
      values[camelKey(s.env)] = parseValue(s.kind, value);
    } catch (e) {
      problems.push(`${s.env}: ${(e as Error).message}`);
    }
  }
  // the schema's own shape, filled in from it above
  const v = values as SettingValues;

  const production = v.nodeEnv === 'production';
  if (production && v.databaseUrl && !v.secretsKey) {
    problems.push('SECRETS_KEY: required when NODE_ENV=production and DATABASE_URL is set (openssl rand -base64 32)');
  }
  if ((v.adminEmail === null) !== (v.adminPassword === null)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (v.accountEmail === 'optional' && v.requireEmailVerification) {
    problems.push('ACCOUNT_EMAIL: optional cannot go with REQUIRE_EMAIL_VERIFICATION=true (an account without an email could never sign in)');
  }
  if (v.refreshTokenTtl > v.sessionMaxAge) {
    problems.push('REFRESH_TOKEN_TTL: must not exceed SESSION_MAX_AGE');
  }
  for (const origin of v.corsOrigins ?? []) {
    try {
      if (new URL(origin).origin !== origin) throw new Error();
    } catch {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
  }
  if (v.brandLogoFile) {
    try {
      readBrandLogo(v.brandLogoFile);
    } catch (e) {
      problems.push(`BRAND_LOGO_FILE: ${(e as Error).message}`);
    }
  }
  const oauth = parseOAuthEnv(env, production);
  problems.push(...oauth.problems);
  if (problems.length > 0) throw new ConfigError(problems);

  // unset: where this process listens, so PORT alone never leaves links and the issuer on another port
  const publicUrl = (v.publicUrl ?? `http://localhost:${v.port}`).replace(/\/+$/, '');
  return deepFreeze({
    ...v,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    production,
    lockoutSeconds: v.lockoutMinutes * 60,
    hashConcurrency: v.hashConcurrency ?? availableParallelism(),
    defaultRole: v.defaultRole ?? (v.products === 'on' ? 'buyer' : 'user'),
    oauthProviders: oauth.providers,
  });
}
