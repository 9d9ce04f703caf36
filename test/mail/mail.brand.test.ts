/**
 * BRAND_NAME in mail: the built-in signatures carry it, every template (subjects too) may use
 * `{{brand}}`, and the sender's display name is the brand unless MAIL_FROM names its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailTemplates, senderOf } from '../../src/mail/mail-templates.js';

describe('mail: the operator’s brand', () => {
  it('the signature (text and HTML) carries BRAND_NAME', () => {
    const mail = new MailTemplates(null, 'Acme Login').render('verify_email', { code: '12345678', link: 'https://example.com/v' });
    assert.equal(mail.subject, 'Verify your email address · Acme Login');
    assert.match(mail.text, /\n-- \nThe Acme Login team\n$/);
    assert.match(mail.html, /<p style="color: #57606a">The Acme Login team<\/p>\n<\/body>/);
    // a brand with markup is text in the HTML body
    assert.match(new MailTemplates(null, 'A<b>').render('new_sign_in', {}).html, /The A&lt;b&gt; team/);
  });

  it('the sender’s display name is the brand unless MAIL_FROM names its own', () => {
    assert.equal(senderOf('Gatehouse <no-reply@localhost>', 'Acme Login'), '"Acme Login" <no-reply@localhost>');
    assert.equal(senderOf('no-reply@acme.example', 'Acme Login'), '"Acme Login" <no-reply@acme.example>');
    assert.equal(senderOf('<no-reply@acme.example>', 'Acme "Login"'), '"Acme Login" <no-reply@acme.example>');
    assert.equal(senderOf('Acme Accounts <accounts@acme.example>', 'Acme Login'), 'Acme Accounts <accounts@acme.example>');
  });
});
