/**
 * The outbox delivers through real SMTP (docs/operations.md): a queued message reaches the SMTP server
 * within 2 s with a plain-text and an HTML body; a message queued while the server is down
 * arrives exactly once when it is back; a 5xx refusal marks the message dead at once (logged, and
 * counted by depth()); a message queued in a transaction that rolls back is never sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { eventually, register, sleep, uniqueEmail } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

const silentLog = { info() {}, warn() {}, error() {} };

describe('mail delivery through the outbox', () => {
  let t: TestContext;
  let smtp: SmtpSink;
  before(async () => {
    smtp = await SmtpSink.start();
    t = await buildTestContext({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Gatehouse Test <gatehouse@example.com>', MAIL_RETRY_MAX_SECONDS: '1' } });
    await t.services.outboxWorker!.start(silentLog);
  });
  after(async () => {
    await t.close();
    await smtp.down();
  });

  it('a queued message reaches SMTP within 2 s, with text and HTML bodies and the configured sender', async () => {
    const u = await register(t.app);
    // from the commit (the registration's answer) to the SMTP server
    const mail = await smtp.waitFor(u.email, /Verify your email/, 2000);
    assert.match(mail.from, /gatehouse@example\.com/);
    assert.match(mail.text, /\b\d{8}\b/);
    assert.match(mail.html, /<strong>\d{8}<\/strong>/);
    assert.match(mail.text, /http:\/\/localhost:8000\/verify-email\?token=[A-Za-z0-9_-]{43}/);
  });

  it('queued while SMTP is down, delivered exactly once when it is back', async () => {
    await smtp.down();
    const u = await register(t.app);
    // a few failed attempts (backoff capped at 1 s here)
    await eventually(async () => {
      const rows = await t.services.database.db.selectFrom('outbox').select(['attempts', 'last_error']).where('to_address', '=', u.email).execute();
      return rows.length === 1 && rows[0]!.attempts >= 2 && rows[0]!.last_error !== null;
    }, 'two failed attempts', 8000);
    assert.equal(smtp.to(u.email).length, 0);
    await smtp.up();
    await smtp.waitFor(u.email, /Verify your email/, 5000);
    await sleep(1500);
    assert.equal(smtp.to(u.email).length, 1, 'exactly once');
    const row = await t.services.database.db.selectFrom('outbox').selectAll().where('to_address', '=', u.email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.deepEqual(row.data, {}, 'the code and link leave the database once sent');
  });

  it('a 5xx refusal marks the message dead at once; depth() counts it', async () => {
    const email = uniqueEmail('refused');
    smtp.refuse.add(email);
    const before = await t.services.mail.depth();
    await register(t.app, { email });
    await eventually(async () => (await t.services.mail.depth()).dead === before.dead + 1, 'the message is dead', 5000);
    const row = await t.services.database.db.selectFrom('outbox').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'dead');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /550|unavailable/);
  });

  it('a message queued in a transaction that rolls back is never sent', async () => {
    const email = uniqueEmail('rolled-back');
    await t.services.database.db
      .transaction()
      .execute(async (tx) => {
        await t.services.mail.enqueue(tx, { template: 'password_changed', to: email, userId: null, data: {} });
        throw new Error('roll back');
      })
      .catch(() => {});
    const marker = await register(t.app);
    await smtp.waitFor(marker.email, /Verify/, 3000);
    assert.equal(smtp.to(email).length, 0);
    assert.equal((await t.services.database.db.selectFrom('outbox').select('id').where('to_address', '=', email).execute()).length, 0);
  });
});
