/**
 * GET /dev/mail: the development outbox (no SMTP_URL, NODE_ENV not production), newest first: each
 * message's subject, recipient, date, its HTML body as the reader's mail client would show it, and
 * its text part. Registered only then: elsewhere the path is an unknown route (404). No script.
 *
 * The HTML body is the mail's own markup (operator templates included), so it is shown inside a
 * sandboxed `<iframe srcdoc>`: no script runs in it, it cannot read this page, and forms are dead.
 * Its links open in the whole tab (`<base target="_top">` and the sandbox's
 * `allow-top-navigation-by-user-activation`, on a click only): they lead to Gatehouse's pages.
 * A srcdoc frame inherits this page's Content-Security-Policy, so this page sets its own instead
 * of the pages' strict one: inline styles allowed (mail is styled inline), images only from
 * Gatehouse or data: URLs, nothing else loaded, never framed itself.
 *
 * The page's own words are in the reader's language (the `gh_lang` cookie, else Accept-Language,
 * as on every page); each mail is shown as it was sent, in its own language.
 *
 * It shows every code and link the service mails, so it answers loopback clients only — judged by
 * the socket's address, never by X-Forwarded-For, which any client can write — and any other
 * client gets the same 404 as for an unknown route: a development server listening on 0.0.0.0
 * hands nobody else the codes.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isIPv4, isIPv6 } from 'node:net';
import type { MailService } from './mail-service.js';
import { escapeHtml } from '../http/html.js';
import { hintsOfHeaders, negotiateLocale, type Locale } from '../i18n/locales.js';
import { translator } from '../i18n/translator.js';

/** 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return isIPv6(lower) && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(lower);
}

/** anyone else is answered exactly as for a path that does not exist */
async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!isLoopback(request.socket.remoteAddress)) return reply.callNotFound();
}

/** the development outbox's own policy (see above): a srcdoc frame inherits it */
export const DEV_MAIL_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** the sandbox of each mail's frame: no script, no forms, no same-origin; a clicked link opens in the tab */
export const MAIL_FRAME_SANDBOX = 'allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox';

const STYLE = `body{margin:0 auto;max-width:60rem;padding:1rem;font:1rem/1.5 system-ui,sans-serif;color:#1b1f24;background:#f6f8fa;overflow-wrap:anywhere}
article{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:0 0 1.5rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin:0 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem;margin:0 0 .75rem;color:#57606a}dt{font-weight:600}dd{margin:0}
iframe{display:block;width:100%;height:22rem;border:1px solid #d0d7de;border-radius:6px;background:#fff}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.75rem;border-radius:6px;margin:.5rem 0 0}
summary{cursor:pointer;color:#0b57d0;margin-top:.75rem}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}`;

/**
 * The mail's HTML as a frame's document: links open in the top window. A `<base>` goes first in
 * `<head>` (one is made when the mail has none; a mail without `<html>` gets it in front).
 */
export function frameDocument(mailHtml: string): string {
  const base = '<base target="_top">';
  if (/<head[^>]*>/i.test(mailHtml)) return mailHtml.replace(/<head[^>]*>/i, (head) => `${head}${base}`);
  if (/<html[^>]*>/i.test(mailHtml)) return mailHtml.replace(/<html[^>]*>/i, (open) => `${open}<head>${base}</head>`);
  return `${base}${mailHtml}`;
}

export interface DevMailOptions {
  mail: MailService;
  /** BRAND_NAME and DEFAULT_LOCALE, for the page's own words */
  brand: { name: string; defaultLocale: Locale };
}

export const devMailRoutes: FastifyPluginAsync<DevMailOptions> = async (app, { mail, brand }) => {
  app.get('/dev/mail', { schema: { hide: true }, onRequest: loopbackOnly }, async function devMail(request, reply) {
    const t = translator(negotiateLocale(hintsOfHeaders(request.headers), brand.defaultLocale), brand.name);
    const items = await mail.recent(50);
    const list = items
      .map((m, i) => {
        const r = m.rendered;
        const subject = r?.subject ?? m.template;
        return `<article data-mail="${escapeHtml(m.id)}" aria-labelledby="mail-${i}">
<h2 id="mail-${i}">${escapeHtml(subject)}</h2>
<dl>
<dt>${escapeHtml(t.t('devMail.to'))}</dt><dd data-to>${escapeHtml(m.to)}</dd>
<dt>${escapeHtml(t.t('devMail.date'))}</dt><dd><time datetime="${escapeHtml(m.createdAt.toISOString())}">${escapeHtml(t.dateTime(m.createdAt))}</time></dd>
<dt>${escapeHtml(t.t('devMail.template'))}</dt><dd>${escapeHtml(m.template)} · ${escapeHtml(m.status)}</dd>
</dl>
${r ? `<iframe title="${escapeHtml(subject)} (HTML)" sandbox="${MAIL_FRAME_SANDBOX}" referrerpolicy="no-referrer" srcdoc="${escapeHtml(frameDocument(r.html))}"></iframe>
<details><summary>${escapeHtml(t.t('devMail.text'))}</summary><pre>${escapeHtml(r.text)}</pre></details>` : `<p>${escapeHtml(t.t('devMail.unknownTemplate'))}</p>`}
</article>`;
      })
      .join('\n');
    const body = `<!doctype html>
<html lang="${t.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t.t('devMail.title'))}</title><style>${STYLE}</style></head>
<body>
<main>
<h1>${escapeHtml(t.t('devMail.title'))}</h1>
<p>${escapeHtml(t.t('devMail.intro', { count: items.length }))}</p>
${list || `<p>${escapeHtml(t.t('devMail.empty'))}</p>`}
</main>
</body>
</html>
`;
    return reply.header('cache-control', 'no-store').header('content-language', t.locale).header('vary', 'Accept-Language, Cookie').header('content-security-policy', DEV_MAIL_CSP).type('text/html; charset=utf-8').send(body);
  });
};
