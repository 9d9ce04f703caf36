/**
 * What every page route needs: the chrome of the page (this response's CSRF token, who is signed
 * in), sending HTML that no cache keeps, and the form body as plain strings. Pages take forms as
 * they come (no strict schema that would answer problem+json): the services validate, and their
 * errors are shown next to the fields.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Csrf } from '../http/csrf.js';
import { LOCALE_COOKIE, negotiateLocale, type Locale } from '../i18n/locales.js';
import { translator, type Translator } from '../i18n/translator.js';
import type { UsersService } from '../users/users-service.js';
import type { PageSession } from './page-session.js';
import type { PageChrome } from './views/layout.js';

export interface PageKitDeps {
  csrf: Csrf;
  session: PageSession;
  users: UsersService;
  /** BRAND_NAME and DEFAULT_LOCALE; the brand's stylesheet and logo URLs (assets.ts) */
  brand: { name: string; defaultLocale: Locale; stylesheet?: string; logo?: string | null };
}

export class PageKit {
  constructor(readonly d: PageKitDeps) {}

  /** the brand's files for the page frame */
  get look(): PageChrome['brand'] {
    return this.d.brand.stylesheet ? { stylesheet: this.d.brand.stylesheet, logo: this.d.brand.logo ?? null } : undefined;
  }

  get session(): PageSession {
    return this.d.session;
  }

  /** the reader's language (see readerTranslator) */
  translator(request: FastifyRequest): Translator {
    return readerTranslator(request, this.d.brand);
  }

  async chrome(request: FastifyRequest, reply: FastifyReply): Promise<PageChrome> {
    const csrf = this.d.csrf.token(request, reply);
    const t = this.translator(request);
    // pages differ by language: a shared cache must not serve one reader's language to another
    reply.header('vary', 'Accept-Language, Cookie');
    reply.header('content-language', t.locale);
    const here = this.here(request);
    const principal = request.principal;
    if (!principal) return { csrf, user: null, t, here, brand: this.look };
    const user = await this.d.users.getCached(principal.userId);
    if (!user) return { csrf, user: null, t, here, brand: this.look };
    const can = { products: principal.permissions.has('products:read'), admin: principal.permissions.has('users:admin') };
    return { csrf, user: { label: user.name ?? user.username ?? user.email ?? t.t('layout.signedIn'), can }, t, here, brand: this.look };
  }

  /**
   * where the language switch comes back to: this page (a POST's answer by its path, as a GET),
   * without a `next` that the page itself refused (no foreign address is echoed)
   */
  here(request: FastifyRequest): string {
    const url = new URL(request.url, 'http://page.invalid');
    if (request.method !== 'GET') return url.pathname;
    const next = url.searchParams.get('next');
    if (next !== null && this.d.session.next(next) === null) url.searchParams.delete('next');
    return `${url.pathname}${url.search}`;
  }

  /** an HTML page: never stored by a cache (forms, tokens and personal data) */
  send(reply: FastifyReply, status: number, document: string, headers: Record<string, string> = {}): FastifyReply {
    return reply.status(status).headers(headers).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(document);
  }

  async render(request: FastifyRequest, reply: FastifyReply, status: number, view: (chrome: PageChrome) => string, headers: Record<string, string> = {}): Promise<FastifyReply> {
    return this.send(reply, status, view(await this.chrome(request, reply)), headers);
  }

  /** Post/Redirect/Get: 303, so a reload does not post the form again */
  redirect(reply: FastifyReply, to: string): FastifyReply {
    return reply.redirect(to, 303);
  }
}

/** the reader's language: the switch's cookie, else Accept-Language, else DEFAULT_LOCALE */
export function readerTranslator(request: FastifyRequest, brand: { name: string; defaultLocale: Locale }): Translator {
  const locale = negotiateLocale({ cookie: request.cookies?.[LOCALE_COOKIE], acceptLanguage: request.headers['accept-language'] }, brand.defaultLocale);
  return translator(locale, brand.name);
}

/** a form field as a string ('' when absent or not a string) */
export function formField(request: FastifyRequest, name: string): string {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body && typeof body === 'object' ? body[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** a query parameter as a string, or null */
export function queryParam(request: FastifyRequest, name: string): string | null {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : null;
}
