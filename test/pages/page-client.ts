/**
 * A browser-like client over app.inject for the page tests: it keeps cookies (with their paths,
 * as a browser would send them), asks for HTML, posts forms url-encoded, and reads the CSRF token
 * from the page it last loaded. No JavaScript runs: these are the no-script paths.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

interface Cookie {
  value: string;
  path: string;
}

export class PageClient {
  readonly cookies = new Map<string, Cookie>();
  csrf: string | null = null;

  constructor(private readonly app: FastifyInstance) {}

  #cookieHeader(url: string): string {
    const path = url.split('?', 1)[0]!;
    return [...this.cookies].filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/').map(([n, c]) => `${n}=${c.value}`).join('; ');
  }

  #remember(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; path?: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, { value: c.value, path: c.path ?? '/' });
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: this.#cookieHeader(url), ...headers } });
    this.#remember(res);
    return res;
  }

  /** a form post; the page's CSRF token is added unless `_csrf` is given (null: none at all) */
  async post(url: string, form: Record<string, string | null>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const fields: Record<string, string> = {};
    if (!('_csrf' in form) && this.csrf) fields._csrf = this.csrf;
    for (const [k, v] of Object.entries(form)) if (v !== null) fields[k] = v;
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: this.#cookieHeader(url), ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
    this.#remember(res);
    return res;
  }

  /** follows 30x redirects (GET after 303, the same POST after 307) up to a few hops */
  async follow(res: LightMyRequestResponse, form?: Record<string, string | null>): Promise<LightMyRequestResponse> {
    for (let hops = 0; hops < 5 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      const to = String(res.headers.location);
      res = res.statusCode === 307 && form ? await this.post(to, form) : await this.get(to);
    }
    return res;
  }
}

/** the text of a page without its tags (for asserting what a person would read) */
export function textOf(body: string): string {
  return body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}
