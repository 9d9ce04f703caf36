/**
 * OAUTH_<ID>_* variables (docs/security.md): one provider per <ID>, read from the same environment as every
 * other setting (loadConfig). <ID> is the provider id in upper case; a variable name cannot hold
 * `-`, so ids from the environment use [a-z0-9_]: `OAUTH_MY_IDP_CLIENT_ID` configures `my_idp`. Checked here, at start, so a typo stops the start naming it.
 */

/** providers with built-in endpoints; any other id is a generic OpenID Connect provider */
export const BUILTIN_OAUTH_PROVIDERS = ['google', 'github', 'facebook', 'twitter'] as const;

export const OAUTH_ID_PATTERN = /^[a-z0-9_-]{2,32}$/;

export interface OAuthEnvProvider {
  readonly id: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly issuer: string | null;
  readonly name: string | null;
  readonly authorizationUrl: string | null;
  readonly tokenUrl: string | null;
  readonly userinfoUrl: string | null;
  /** OAUTH_<ID>_SCOPES, space- or comma-separated; null = the provider's defaults */
  readonly scopes: readonly string[] | null;
  /** OAUTH_<ID>_LINK_BY_EMAIL (default true): false = a new identity never joins an existing account by email */
  readonly linkByEmail: boolean;
}

const FIELDS = ['CLIENT_ID', 'CLIENT_SECRET', 'ISSUER', 'NAME', 'AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL', 'SCOPES', 'LINK_BY_EMAIL'] as const;
type Field = (typeof FIELDS)[number];
const VARIABLE = new RegExp(`^OAUTH_([A-Z0-9_]+?)_(${FIELDS.join('|')})$`);
const URL_FIELDS: readonly Field[] = ['ISSUER', 'AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL'];

/** an http(s) URL; https only in production. Returns the problem, or null */
export function urlProblem(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return 'must be an http(s) URL';
  return production ? 'must be https when NODE_ENV=production' : null;
}

export function parseOAuthEnv(env: Record<string, string | undefined>, production: boolean): { providers: OAuthEnvProvider[]; problems: string[] } {
  const byId = new Map<string, Partial<Record<Field, string>>>();
  for (const [name, value] of Object.entries(env)) {
    const m = VARIABLE.exec(name);
    if (!m || value === undefined || value === '') continue;
    const id = m[1]!.toLowerCase();
    const fields = byId.get(id) ?? {};
    fields[m[2] as Field] = value;
    byId.set(id, fields);
  }
  const providers: OAuthEnvProvider[] = [];
  const problems: string[] = [];
  for (const [id, f] of [...byId].sort(([a], [b]) => a.localeCompare(b))) {
    const prefix = `OAUTH_${id.toUpperCase()}`;
    if (!OAUTH_ID_PATTERN.test(id)) {
      problems.push(`${prefix}_*: the provider id "${id}" must be 2–32 of a-z 0-9 _`);
      continue;
    }
    if (!f.CLIENT_ID) {
      problems.push(`${prefix}_CLIENT_ID: required when other ${prefix}_* variables are set`);
      continue;
    }
    const builtin = (BUILTIN_OAUTH_PROVIDERS as readonly string[]).includes(id);
    if (!builtin && !f.ISSUER) problems.push(`${prefix}_ISSUER: required for a generic OpenID Connect provider (found by discovery from its issuer)`);
    for (const field of URL_FIELDS) {
      const value = f[field];
      const problem = value === undefined ? null : urlProblem(value, production);
      if (problem) problems.push(`${prefix}_${field}: ${problem}`);
    }
    const linkByEmail = f.LINK_BY_EMAIL === undefined ? true : f.LINK_BY_EMAIL === 'true' ? true : f.LINK_BY_EMAIL === 'false' ? false : null;
    if (linkByEmail === null) problems.push(`${prefix}_LINK_BY_EMAIL: must be true or false`);
    providers.push({
      id,
      clientId: f.CLIENT_ID,
      clientSecret: f.CLIENT_SECRET ?? null,
      issuer: f.ISSUER?.replace(/\/+$/, '') ?? null,
      name: f.NAME ?? null,
      authorizationUrl: f.AUTHORIZATION_URL ?? null,
      tokenUrl: f.TOKEN_URL ?? null,
      userinfoUrl: f.USERINFO_URL ?? null,
      scopes: f.SCOPES ? f.SCOPES.split(/[\s,]+/).filter(Boolean) : null,
      linkByEmail: linkByEmail ?? true,
    });
  }
  return { providers, problems };
}
