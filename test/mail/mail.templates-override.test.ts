/**
 * Operators replace any part of any message with files in MAIL_TEMPLATES_DIR
 * (`<name>.subject.txt`, `<name>.txt`, `<name>.html`); a part without a file keeps the built-in
 * text. Values are escaped in HTML and kept to one line in subjects. Over a real SMTP exchange.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { register } from '../helpers/factories.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { withMail } from '../email-ownership/email-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mail-templates-'));
writeFileSync(join(dir, 'verify_email.subject.txt'), 'ACME accounts: confirm your address\n');
writeFileSync(join(dir, 'verify_email.html'), '<p class="acme">Your ACME code: <b>{{code}}</b></p>');
// no verify_email.txt: the plain-text part stays the built-in one

describe('MAIL_TEMPLATES_DIR', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { MAIL_TEMPLATES_DIR: dir } });
  });
  after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the operator\'s subject and HTML replace the built-in ones; the missing text part keeps the built-in text', async () => {
    const u = await register(env.t.app);
    const mail = await env.smtp.waitFor(u.email, /ACME accounts/);
    assert.equal(mail.subject, 'ACME accounts: confirm your address');
    assert.match(mail.html, /<p class="acme">Your ACME code: <b>\d{8}<\/b><\/p>/);
    const code = codeIn(mail);
    assert.match(mail.text, new RegExp(code), 'the built-in plain text still carries the code');
    assert.doesNotMatch(mail.text, /ACME/);
  });
});
