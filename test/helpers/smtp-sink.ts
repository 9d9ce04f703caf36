/**
 * A real SMTP server for the mail tests (smtp-server), whose messages are parsed back with
 * mailparser: what a user's mailbox would receive, with no mocked transport in between. It can be
 * stopped and started again on the same port (an SMTP outage), and refuse recipients with a 5xx.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './installation.js';
import { sleep } from './factories.js';

export interface ReceivedMail {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** refuse RCPT TO for these addresses with 550 (a permanent failure) */
  readonly refuse = new Set<string>();
  #server: SMTPServer | null = null;

  private constructor(readonly port: number) {}

  /** a sink listening on a free port; `listening: false` reserves the port without answering on it (SMTP down) */
  static async start(options: { listening?: boolean } = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(await freePort());
    if (options.listening !== false) await sink.up();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address.toLowerCase())) {
          const error = new Error('mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (m) => {
            const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
            this.mails.push({ messageId: m.messageId ?? '', from: m.from?.text ?? '', to, subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '' });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** the mails sent to `to` so far */
  to(to: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.toLowerCase().includes(to.toLowerCase()));
  }

  /** waits for the `n`-th mail (1 = the first) to `to` whose subject matches, within `timeoutMs` */
  async waitFor(to: string, subject: RegExp, timeoutMs = 5000, n = 1): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(to).filter((m) => subject.test(m.subject));
      if (found.length >= n) return found[n - 1]!;
      if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${to} within ${timeoutMs} ms; got: ${JSON.stringify(this.mails.map((m) => [m.to, m.subject]))}`);
      await sleep(25);
    }
  }
}

/**
 * The 8-digit code in a mail's text. Addresses are left out first: a test address such as
 * `contested-12345678@example.com` (random hex that happened to be all digits) comes before the
 * code in some mails, and was once read as the code.
 */
export function codeIn(mail: ReceivedMail): string {
  const m = /\b(\d{8})\b/.exec(mail.text.replace(/\S+@\S+/g, ' '));
  if (!m) throw new Error(`no code in: ${mail.text}`);
  return m[1]!;
}

/** the link token in a mail's text */
export function linkTokenIn(mail: ReceivedMail): string {
  const m = /[?&]token=([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!m) throw new Error(`no link in: ${mail.text}`);
  return m[1]!;
}
