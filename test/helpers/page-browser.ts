/**
 * A browser for app.inject: a cookie jar (name → value, every path; the tests do not depend on
 * cookie paths), Accept: text/html as a browser sends it, the CSRF token read from the last page,
 * and a page sign-in through POST /login. Redirects are not followed: tests check them.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PASSWORD } from './factories.js';

export class PageBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(
    readonly app: FastifyInstance,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  ) {}

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { accept: 'text/html,application/xhtml+xml', 'user-agent': this.userAgent, ...(cookie ? { cookie } : {}), ...extra };
  }

  #keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies) {
      const expired = c.maxAge === 0 || (c.expires instanceof Date && c.expires.getTime() <= Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token) this.csrf = token[1]!;
    return res;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.#keep(await this.app.inject({ method: 'GET', url, headers: this.#headers() }));
  }

  /** posts a form with this page's CSRF token (unless `_csrf` is given, or `csrf: false`) */
  async post(url: string, form: Record<string, string | string[]> = {}, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const params = new URLSearchParams();
    if (options.csrf !== false && this.csrf && form._csrf === undefined) params.set('_csrf', this.csrf);
    for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    return this.#keep(
      await this.app.inject({ method: 'POST', url, payload: params.toString(), headers: this.#headers({ 'content-type': 'application/x-www-form-urlencoded' }) }),
    );
  }

  /** signs in through the sign-in page; throws unless it lands on the dashboard (or `next`) */
  async signIn(login: string, password = PASSWORD): Promise<void> {
    await this.get('/login');
    const res = await this.post('/login', { login, password });
    if (res.statusCode !== 303 || !this.cookies.has('gatehouse_session')) throw new Error(`page sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
}
