/**
 * The pages the OpenID Connect library shows itself — its error page (an unknown client or
 * redirect URI, a broken authorization request: nothing is sent back to the client) and the
 * RP-initiated sign-out's question and answer — in the brand's look and the reader's language
 * like every other page. The provider is below the pages, so it gets them as a port
 * (oidc-wiring's `pages`, made in services.ts).
 */
import type { IncomingMessage } from 'node:http';
import { hintsOfHeaders, negotiateLocale, type Locale } from '../i18n/locales.js';
import { translator } from '../i18n/translator.js';
import type { OidcPages } from '../oidc/oidc-provider.js';
import { brandAssetsFor } from './assets.js';
import { loggedOutView, logoutQuestionView, oidcErrorView } from './views/oidc-views.js';

export function oidcPages(brand: { name: string; defaultLocale: Locale; color?: string; logoFile?: string | null }): OidcPages {
  const files = brand.color ? brandAssetsFor(brand.color, brand.logoFile ?? null) : null;
  const look = files ? { stylesheet: files.stylesheet, logo: files.logo } : undefined;
  const chromeFor = (request: IncomingMessage) => {
    const t = translator(negotiateLocale(hintsOfHeaders(request.headers), brand.defaultLocale), brand.name);
    const here = request.method === 'GET' && request.url ? request.url : undefined;
    return { csrf: '', user: null, t, brand: look, ...(here ? { here } : {}) };
  };
  return {
    error(request, error) {
      const chrome = chromeFor(request);
      return { locale: chrome.t.locale, body: oidcErrorView(chrome, error) };
    },
    logoutQuestion(request, libraryForm) {
      const chrome = chromeFor(request);
      return { locale: chrome.t.locale, body: logoutQuestionView(chrome, libraryForm) };
    },
    loggedOut(request) {
      const chrome = chromeFor(request);
      return { locale: chrome.t.locale, body: loggedOutView(chrome) };
    },
  };
}
