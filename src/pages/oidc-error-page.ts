/**
 * The OpenID Connect library's error page (an unknown client or redirect URI, a broken
 * authorization request: nothing is sent back to the client), in the brand's look and the
 * reader's language like every other error page. The provider is below the pages, so it gets
 * this page as a port (oidc-wiring's `errorPage`, made in services.ts).
 */
import type { IncomingMessage } from 'node:http';
import { hintsOfHeaders, negotiateLocale, type Locale } from '../i18n/locales.js';
import { translator } from '../i18n/translator.js';
import type { OidcErrorPage } from '../oidc/oidc-provider.js';
import { brandAssetsFor } from './assets.js';
import { oidcErrorView } from './views/oidc-views.js';

export function oidcErrorPage(brand: { name: string; defaultLocale: Locale; color?: string; logoFile?: string | null }): OidcErrorPage {
  const files = brand.color ? brandAssetsFor(brand.color, brand.logoFile ?? null) : null;
  const look = files ? { stylesheet: files.stylesheet, logo: files.logo } : undefined;
  return (request: IncomingMessage, error) => {
    const t = translator(negotiateLocale(hintsOfHeaders(request.headers), brand.defaultLocale), brand.name);
    const here = request.method === 'GET' && request.url ? request.url : undefined;
    return { locale: t.locale, body: oidcErrorView({ csrf: '', user: null, t, brand: look, ...(here ? { here } : {}) }, error) };
  };
}
