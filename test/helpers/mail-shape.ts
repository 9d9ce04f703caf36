/**
 * The shape of a mail carrying a code and a link (a sign-in code, a password reset): what an
 * account's message and its stand-in's (an unknown address, rehearsed and taken back) must share,
 * so the two requests do the same work and look alike from outside.
 */
import type { MailMessage } from '../../src/mail/mail-service.js';

export function mailShapeOf(message: MailMessage) {
  const link = new URL(String(message.data.link));
  return {
    template: message.template,
    dataKeys: Object.keys(message.data).sort(),
    code: /^\d{8}$/.test(String(message.data.code)),
    page: `${link.origin}${link.pathname}`,
    token: /^[A-Za-z0-9_-]{43}$/.test(link.searchParams.get('token') ?? ''),
  };
}
