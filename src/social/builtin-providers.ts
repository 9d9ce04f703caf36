/**
 * What Gatehouse knows about the built-in providers (docs/security.md): their kind, display name, default
 * endpoints and scopes. Every endpoint can be overridden (OAUTH_<ID>_* or the admin API) for tests
 * and proxies. Any other id is a generic OpenID Connect provider found by discovery.
 */
import { BUILTIN_OAUTH_PROVIDERS } from '../config/oauth-env.js';

/** how a provider's sign-in completes: an ID token (OIDC) or the provider's own profile API */
export type ProviderKind = 'oidc' | 'github' | 'facebook' | 'twitter';

export interface ProviderDefaults {
  kind: ProviderKind;
  name: string;
  issuer: string | null;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  scopes: string[];
}

const OIDC_SCOPES = ['openid', 'email', 'profile'];

const BUILTIN: Record<(typeof BUILTIN_OAUTH_PROVIDERS)[number], ProviderDefaults> = {
  // https://developers.google.com/identity/openid-connect/openid-connect#discovery
  google: { kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com', authorizationUrl: null, tokenUrl: null, userinfoUrl: null, scopes: OIDC_SCOPES },
  // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow
  github: {
    kind: 'github',
    name: 'GitHub',
    issuer: null,
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    // /user, and /user/emails beside it for the verified primary address
    userinfoUrl: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
  },
  // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
  facebook: {
    kind: 'facebook',
    name: 'Facebook',
    issuer: null,
    authorizationUrl: 'https://www.facebook.com/v19.0/dialog/oauth',
    tokenUrl: 'https://graph.facebook.com/v19.0/oauth/access_token',
    userinfoUrl: 'https://graph.facebook.com/v19.0/me',
    scopes: ['public_profile', 'email'],
  },
  // https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
  twitter: {
    kind: 'twitter',
    name: 'X',
    issuer: null,
    authorizationUrl: 'https://x.com/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    userinfoUrl: 'https://api.x.com/2/users/me',
    scopes: ['tweet.read', 'users.read'],
  },
};

/** the defaults of a built-in provider, or those of a generic OIDC provider named `id` */
export function providerDefaults(id: string): ProviderDefaults {
  if (Object.hasOwn(BUILTIN, id)) return BUILTIN[id as keyof typeof BUILTIN];
  return { kind: 'oidc', name: id, issuer: null, authorizationUrl: null, tokenUrl: null, userinfoUrl: null, scopes: OIDC_SCOPES };
}

export function isBuiltin(id: string): boolean {
  return (BUILTIN_OAUTH_PROVIDERS as readonly string[]).includes(id);
}
