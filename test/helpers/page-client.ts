/**
 * A browser-like client over app.inject for the page tests (the no-script paths): it keeps cookies
 * with their paths and sends each only where a browser would, sends a browser's Accept and
 * User-Agent, posts forms url-encoded with the CSRF token of the page it last loaded, and signs in
 * through the sign-in page. Redirects are followed only when a test asks (`follow`).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PASSWORD } from './factories.js';

interface Cookie {
  value: string;
  path: string;
}

/** form fields: a list repeats the field; `_csrf: null` sends no token at all */
export type FormFields = Record<string, string | string[] | null>;

const CHROME_LINUX_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

export class PageClient {
  readonly cookies = new Map<string, Cookie>();
  csrf: string | null = null;

  constructor(
    readonly app: FastifyInstance,
    readonly userAgent = CHROME_LINUX_UA,
  ) {}

  #headers(url: string, extra: Record<string, string>): Record<string, string> {
    const path = url.split('?', 1)[0]!;
    const cookie = [...this.cookies]
      .filter(([, c]) => c.path === '/' || path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
    return { accept: 'text/html,application/xhtml+xml', 'user-agent': this.userAgent, ...(cookie ? { cookie } : {}), ...extra };
  }

  #remember(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; path?: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires instanceof Date && c.expires.getTime() <= Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, { value: c.value, path: c.path ?? '/' });
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.#remember(await this.app.inject({ method: 'GET', url, headers: this.#headers(url, headers) }));
  }

  /** a form post; the page's CSRF token is added unless the form names `_csrf` (null: none at all) */
  async post(url: string, form: FormFields = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const params = new URLSearchParams();
    if (!('_csrf' in form) && this.csrf) params.set('_csrf', this.csrf);
    for (const [k, v] of Object.entries(form)) {
      if (v === null) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    }
    return this.#remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: params.toString(),
        headers: this.#headers(url, { 'content-type': 'application/x-www-form-urlencoded', ...headers }),
      }),
    );
  }

  /** follows 30x redirects (GET after 303, the same POST after 307) up to a few hops */
  async follow(res: LightMyRequestResponse, form?: FormFields): Promise<LightMyRequestResponse> {
    for (let hops = 0; hops < 5 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      const to = String(res.headers.location);
      res = res.statusCode === 307 && form ? await this.post(to, form) : await this.get(to);
    }
    return res;
  }

  /** signs in through the sign-in page; throws unless it answers with a redirect and a page session */
  async signIn(login: string, password = PASSWORD): Promise<void> {
    await this.get('/login');
    const res = await this.post('/login', { login, password });
    if (res.statusCode !== 303 || !this.cookies.has('gatehouse_session')) throw new Error(`page sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
}

/** the text of a page without its tags (for asserting what a person would read) */
export function textOf(body: string): string {
  return body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}
