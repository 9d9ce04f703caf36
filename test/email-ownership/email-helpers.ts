import type { TestOptions } from '../helpers/build-test-app.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

export const silentLog = { info() {}, warn() {}, error() {} };

/** a test app whose outbox worker delivers to a real SMTP sink */
export async function withMail(options: TestOptions = {}): Promise<{ t: TestContext; smtp: SmtpSink; close(): Promise<void> }> {
  const smtp = await SmtpSink.start();
  const t = await buildTestContext({ ...options, env: { SMTP_URL: smtp.url, MAIL_RETRY_MAX_SECONDS: '1', ...(options.env ?? {}) } });
  await t.services.outboxWorker!.start(silentLog);
  return {
    t,
    smtp,
    async close() {
      await t.close();
      await smtp.down();
    },
  };
}
