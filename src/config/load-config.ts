import { availableParallelism } from 'node:os';
import { settings, type Setting, type SettingKind } from './config-schema.js';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  /** without trailing slash */
  publicUrl: string;
  publicOrigin: string;
  dataDir: string;
  databaseUrl: string | null;
  databasePoolMax: number;
  databasePrepare: boolean;
  redisUrl: string | null;
  redisKeyPrefix: string;
  /** 32 bytes, or null = generate/read one under dataDir */
  secretsKey: Buffer | null;
  logLevel: string;
  jwtAlg: 'EdDSA' | 'ES256' | 'RS256';
  tokenAudience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxAge: number;
  refreshReuseGrace: number;
  refreshCookieName: string;
  cookieSecure: boolean;
  cookieDomain: string | null;
  introspectionToken: string | null;
  registration: 'open' | 'closed';
  requireEmailVerification: boolean;
  defaultRole: string;
  adminEmail: string | null;
  adminPassword: string | null;
  passwordMinScore: number;
  argon2: { memoryKib: number; timeCost: number; parallelism: number };
  hashConcurrency: number;
  hashQueueMax: number;
  lockoutThreshold: number;
  lockoutSeconds: number;
  rateLimits: {
    loginIp: RateLimit | null;
    loginId: RateLimit | null;
    registerIp: RateLimit | null;
    refreshIp: RateLimit | null;
    resetIp: RateLimit | null;
    resetId: RateLimit | null;
    codeId: RateLimit | null;
    apiIp: RateLimit | null;
  };
  trustedProxies: string[];
  corsOrigins: string[];
  bodyLimitBytes: number;
  geoipDb: string | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Parsed = string | number | boolean | string[] | RateLimit | Buffer | null;

function parseValue(kind: SettingKind, raw: string): Parsed {
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
      return { limit: Number(m[1]), windowSeconds: Number(m[2]) };
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'secretKey': {
      const buf = Buffer.from(raw, 'base64');
      if (buf.length !== 32) throw new Error('must be 32 bytes encoded as base64 (openssl rand -base64 32)');
      return buf;
    }
  }
}

/**
 * Validates every setting at once and returns a frozen, typed config. Unknown variables are
 * ignored (the environment holds much more than ours); every bad one is reported together.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const v = new Map<string, Parsed>();
  for (const s of settings as readonly Setting[]) {
    const raw = env[s.env];
    const value = raw === undefined || raw === '' ? s.default : raw;
    if (value === undefined) {
      v.set(s.env, null);
      continue;
    }
    try {
      v.set(s.env, parseValue(s.kind, value));
    } catch (e) {
      problems.push(`${s.env}: ${(e as Error).message}`);
    }
  }
  const str = (k: string) => v.get(k) as string;
  const optStr = (k: string) => (v.get(k) as string | null) ?? null;
  const num = (k: string) => v.get(k) as number;
  const bool = (k: string) => v.get(k) as boolean;
  const rl = (k: string) => (v.get(k) as RateLimit | null) ?? null;

  const nodeEnv = str('NODE_ENV');
  const production = nodeEnv === 'production';
  const databaseUrl = optStr('DATABASE_URL');
  const secretsKey = (v.get('SECRETS_KEY') as Buffer | null) ?? null;
  if (production && databaseUrl && !secretsKey) {
    problems.push('SECRETS_KEY: required when NODE_ENV=production and DATABASE_URL is set (openssl rand -base64 32)');
  }
  if ((optStr('ADMIN_EMAIL') === null) !== (optStr('ADMIN_PASSWORD') === null)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (num('REFRESH_TOKEN_TTL') > num('SESSION_MAX_AGE')) {
    problems.push('REFRESH_TOKEN_TTL: must not exceed SESSION_MAX_AGE');
  }
  for (const origin of (v.get('CORS_ORIGINS') as string[] | undefined) ?? []) {
    try {
      if (new URL(origin).origin !== origin) throw new Error();
    } catch {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = str('PUBLIC_URL').replace(/\/+$/, '');
  const hashConcurrency = (v.get('HASH_CONCURRENCY') as number | null) ?? availableParallelism();
  const config: Config = {
    nodeEnv,
    production,
    port: num('PORT'),
    host: str('HOST'),
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    dataDir: str('DATA_DIR'),
    databaseUrl,
    databasePoolMax: num('DATABASE_POOL_MAX'),
    databasePrepare: bool('DATABASE_PREPARE'),
    redisUrl: optStr('REDIS_URL'),
    redisKeyPrefix: str('REDIS_KEY_PREFIX'),
    secretsKey,
    logLevel: str('LOG_LEVEL'),
    jwtAlg: str('JWT_ALG') as Config['jwtAlg'],
    tokenAudience: str('TOKEN_AUDIENCE'),
    accessTokenTtl: num('ACCESS_TOKEN_TTL'),
    refreshTokenTtl: num('REFRESH_TOKEN_TTL'),
    sessionMaxAge: num('SESSION_MAX_AGE'),
    refreshReuseGrace: num('REFRESH_REUSE_GRACE'),
    refreshCookieName: str('REFRESH_COOKIE_NAME'),
    cookieSecure: bool('COOKIE_SECURE'),
    cookieDomain: optStr('COOKIE_DOMAIN'),
    introspectionToken: optStr('INTROSPECTION_TOKEN'),
    registration: str('REGISTRATION') as Config['registration'],
    requireEmailVerification: bool('REQUIRE_EMAIL_VERIFICATION'),
    defaultRole: str('DEFAULT_ROLE'),
    adminEmail: optStr('ADMIN_EMAIL'),
    adminPassword: optStr('ADMIN_PASSWORD'),
    passwordMinScore: num('PASSWORD_MIN_SCORE'),
    argon2: { memoryKib: num('ARGON2_MEMORY_KIB'), timeCost: num('ARGON2_TIME_COST'), parallelism: num('ARGON2_PARALLELISM') },
    hashConcurrency,
    hashQueueMax: num('HASH_QUEUE_MAX'),
    lockoutThreshold: num('LOCKOUT_THRESHOLD'),
    lockoutSeconds: num('LOCKOUT_MINUTES') * 60,
    rateLimits: {
      loginIp: rl('RATE_LIMIT_LOGIN_IP'),
      loginId: rl('RATE_LIMIT_LOGIN_ID'),
      registerIp: rl('RATE_LIMIT_REGISTER_IP'),
      refreshIp: rl('RATE_LIMIT_REFRESH_IP'),
      resetIp: rl('RATE_LIMIT_RESET_IP'),
      resetId: rl('RATE_LIMIT_RESET_ID'),
      codeId: rl('RATE_LIMIT_CODE_ID'),
      apiIp: rl('RATE_LIMIT_API_IP'),
    },
    trustedProxies: v.get('TRUSTED_PROXIES') as string[],
    corsOrigins: v.get('CORS_ORIGINS') as string[],
    bodyLimitBytes: num('BODY_LIMIT_BYTES'),
    geoipDb: optStr('GEOIP_DB'),
  };
  return Object.freeze(config);
}
