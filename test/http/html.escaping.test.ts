/**
 * The pages' template helper escapes every interpolation by default (docs/security.md's XSS defence for
 * server-rendered HTML): text and attribute context alike, inside arrays too; only fragments the
 * helper itself made pass through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html } from '../../src/http/html.js';
import { MailTemplates } from '../../src/mail/mail-templates.js';

describe('html`` escaping', () => {
  it('escapes the characters that open markup or leave an attribute', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&\``), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
  });

  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `"><script>alert(1)</script>`;
    const out = html`<input value="${name}"><p>${name}</p>`.toString();
    assert.ok(!out.includes('<script>'));
    assert.equal(out, '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><p>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('renders arrays item by item under the same rule; null, undefined and false render nothing', () => {
    const items = ['<b>', html`<i>${'<u>'}</i>`];
    assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.toString(), '<ul><li>&lt;b&gt;</li><li><i>&lt;u&gt;</i></li></ul>');
    assert.equal(html`${null}${undefined}${false}${0}`.toString(), '0');
  });

  it('a plain string that looks like markup is never trusted; only html`` fragments pass', () => {
    const fragment = html`<em>ok</em>`;
    assert.equal(html`${fragment}${'<em>no</em>'}`.toString(), '<em>ok</em>&lt;em&gt;no&lt;/em&gt;');
    // an object that merely resembles a fragment is escaped as text
    assert.equal(html`${{ value: '<x>' } as unknown as string}`.toString(), '[object Object]');
  });
});

// guards the mail bodies: they had an escaper of their own that left the backtick (an attribute
// delimiter in old browsers) as it was; they now use this one
describe('mail templates escape with the same helper', () => {
  it('a value with markup and a backtick is escaped in the HTML body, as on the pages', () => {
    const value = `<b onclick='x'>&"\``;
    const mail = new MailTemplates(null).render('verify_email', { code: value, link: 'https://example.com/v' });
    assert.ok(mail.html.includes(escapeHtml(value)), mail.html);
    assert.ok(!mail.html.includes('`'), 'no raw backtick');
    assert.ok(mail.text.includes(value), 'the text body is not HTML');
  });
});
