/**
 * GET /dev/mail: the development outbox (no SMTP_URL, NODE_ENV not production), newest first, with
 * each message's text as it would have been sent. Registered only then: elsewhere the path is an
 * unknown route (404). Plain HTML, no script, no inline style.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { MailService } from './mail-service.js';
import { escapeHtml } from './mail-templates.js';

export const devMailRoutes: FastifyPluginAsync<{ mail: MailService }> = async (app, { mail }) => {
  app.get('/dev/mail', { schema: { hide: true } }, async function devMail(_request, reply) {
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
