/**
 * CSRF protection for HTML forms (docs/security.md): a signed double-submit token. The browser holds a
 * random value in an HttpOnly, SameSite=Lax cookie (`gatehouse_csrf`, Path=/); every form carries
 * `_csrf` = HMAC-SHA256(key, that value), the key derived from SECRETS_KEY. Another site can
 * neither read the cookie nor compute the HMAC, so it cannot forge the field; a planted cookie
 * without its HMAC is useless too. A POST is refused (403 forbidden) unless the field matches the
 * cookie (constant-time compare) and, when the browser names an Origin, that origin is ours. The
 * cookie is SameSite=Lax, so a cross-site form post arrives without it and fails the check too.
 * Tokens carry no expiry of their own: they live as long as the cookie (the browser session).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors.js';
import { constantTimeEqual } from '../security/tokens.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_COOKIE = 'gatehouse_csrf';

export interface CsrfSettings {
  key: Buffer;
  publicOrigin: string;
  secure: boolean;
  domain: string | null;
}

export class Csrf {
  constructor(private readonly s: CsrfSettings) {}

  /** the token to put in this response's forms; sets the cookie when the browser has none yet */
  token(request: FastifyRequest, reply: FastifyReply): string {
    let seed = this.#seed(request) ?? pendingSeeds.get(reply) ?? null;
    if (!seed) {
      seed = randomBytes(32).toString('base64url');
      reply.setCookie(CSRF_COOKIE, seed, this.cookieAttributes());
      pendingSeeds.set(reply, seed);
    }
    return this.#sign(seed);
  }

  /** throws 403 forbidden unless the request's `_csrf` field belongs to its cookie */
  check(request: FastifyRequest): void {
    // pages send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` even for
    // same-origin forms: null says nothing either way, and the token below decides
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== this.s.publicOrigin) throw commonErrors.forbidden('The form was sent from another site.');
    const seed = this.#seed(request);
    const body = request.body as Record<string, unknown> | undefined;
    const sent = body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
    if (!seed || typeof sent !== 'string' || !constantTimeEqual(sent, this.#sign(seed))) {
      throw commonErrors.forbidden('The form has expired or did not come from this site: reload the page and try again.');
    }
  }

  cookieAttributes() {
    return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: this.s.secure, ...(this.s.domain ? { domain: this.s.domain } : {}) };
  }

  #seed(request: FastifyRequest): string | null {
    const value = request.cookies?.[CSRF_COOKIE];
    return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
  }

  #sign(seed: string): string {
    return createHmac('sha256', this.s.key).update(seed).digest('base64url');
  }
}

/** a seed set earlier in the same response (a page with several forms asks more than once) */
const pendingSeeds = new WeakMap<FastifyReply, string>();
