/**
 * Where rendered mail goes: SMTP through nodemailer (SMTP_URL). The interface is what the outbox
 * worker needs, no more, so the worker is tested against a real SMTP listener and nothing else.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export interface OutgoingMail {
  /** the outbox id as a Message-ID, so a receiver (and a test) can tell a resend from a new message */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** an SMTP error that retrying cannot fix (a 5xx reply: unknown mailbox, refused sender) */
export function isPermanentSmtpError(error: unknown): boolean {
  const code = (error as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function smtpTransport(url: string): MailTransport {
  const options: SMTPTransport.Options & { url: string } = {
    url,
    // a server that is down must fail fast: the worker retries with backoff, and an attempt must
    // end well within the claim's lease (see OutboxWorker)
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  const transport = nodemailer.createTransport(options);
  return {
    async send(mail) {
      // the recipient as an address object: nodemailer parses a
      // string as an address list (`a@evil.example,corp.example` would be two recipients), an
      // object it takes as the one address it is
      const to = { name: '', address: mail.to };
      await transport.sendMail({ messageId: mail.messageId, from: mail.from, to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close() {
      transport.close();
    },
  };
}
