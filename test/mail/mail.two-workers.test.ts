/**
 * Two workers over one outbox (two instances on one PostgreSQL database, PostgreSQL only): every
 * message is handed to SMTP exactly once, whichever worker claims it (FOR UPDATE SKIP LOCKED and
 * the claim's lease).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, servicesOf, type TestContext } from '../helpers/build-test-app.js';
import { eventually, sleep, uniqueEmail } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

const silentLog = { info() {}, warn() {}, error() {} };
const postgres = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);

describe('two workers racing over one outbox', { skip: postgres ? false : 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let smtp: SmtpSink;
  before(async () => {
    smtp = await SmtpSink.start();
    t = await buildTestContext({ env: { SMTP_URL: smtp.url } });
    const second = await t.startInstance();
    await t.services.outboxWorker!.start(silentLog);
    await servicesOf(second).outboxWorker!.start(silentLog);
  });
  after(async () => {
    await t.close();
    await smtp.down();
  });

  it('each of 40 messages arrives once', async () => {
    const to = Array.from({ length: 40 }, () => uniqueEmail('race'));
    // queued in batches, each in its own transaction, while both workers run
    for (let i = 0; i < to.length; i += 4) {
      await t.services.database.db.transaction().execute(async (tx) => {
        for (const address of to.slice(i, i + 4)) await t.services.mail.enqueue(tx, { template: 'password_changed', to: address, userId: null, data: {} });
      });
    }
    await eventually(async () => to.every((a) => smtp.to(a).length > 0), 'every message delivered', 20_000, 100);
    await sleep(1000);
    const ids = smtp.mails.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'no message twice');
    for (const a of to) assert.equal(smtp.to(a).length, 1, a);
    assert.equal((await t.services.mail.depth()).pending, 0);
  });
});
