/**
 * GET /dev/mail: the development outbox (no SMTP_URL, NODE_ENV not production), newest first, with
 * each message's text as it would have been sent. Registered only then: elsewhere the path is an
 * unknown route (404). Plain HTML, no script, no inline style.
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

export const devMailRoutes: FastifyPluginAsync<{ mail: MailService }> = async (app, { mail }) => {
  app.get('/dev/mail', { schema: { hide: true }, onRequest: loopbackOnly }, async function devMail(_request, reply) {
    const items = await mail.recent(50);
    const list = items
      .map((m) => {
        const r = m.rendered;
        return `<article>
<h2>${escapeHtml(r?.subject ?? m.template)}</h2>
<p>To: ${escapeHtml(m.to)} · ${escapeHtml(m.createdAt.toISOString())} · ${escapeHtml(m.template)} · ${escapeHtml(m.status)}</p>
<pre>${escapeHtml(r?.text ?? '')}</pre>
</article>`;
      })
      .join('\n<hr>\n');
    const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Development outbox</title></head>
<body>
<h1>Development outbox</h1>
<p>Mail Gatehouse would have sent (no SMTP_URL is set). Newest first; ${items.length} shown.</p>
${list || '<p>No mail yet.</p>'}
</body>
</html>
`;
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
  });
};
