/**
 * Mail in the reader's language (docs/operations.md, "Branding and languages"): the request that
 * caused a message names its language (the `gh_lang` cookie, else Accept-Language); mail without
 * a reader, or from a request that names no language Gatehouse speaks, is in DEFAULT_LOCALE. An
 * operator's override file for one language (`<template>.<locale>.subject.txt` …) wins for that
 * language only. Built-in subjects end with the brand. Over a real SMTP exchange.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MailTemplates, TEMPLATE_NAMES } from '../../src/mail/mail-templates.js';
import { englishWordsIn } from '../helpers/english-words.js';
import { uniqueEmail, PASSWORD } from '../helpers/factories.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { withMail } from '../email-ownership/email-helpers.js';

type Env = Awaited<ReturnType<typeof withMail>>;

async function registerWith(env: Env, headers: Record<string, string>): Promise<string> {
  const email = uniqueEmail();
  const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers, payload: { email, password: PASSWORD } });
  assert.equal(res.statusCode, 201, res.body);
  return email;
}

/** the German text has none of the English words German never uses (links, the code and the address aside) */
function assertGerman(text: string, allowed: string[]): void {
  assert.deepEqual(englishWordsIn(text.replace(/https?:\/\/\S+/g, ' '), allowed), []);
}

describe('mail: the reader’s language', () => {
  let env: Env;
  before(async () => {
    env = await withMail();
  });
  after(async () => {
    await env.close();
  });

  it('a German reader (Accept-Language) registering gets the verification in German', async () => {
    const email = await registerWith(env, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    const mail = await env.smtp.waitFor(email, /^Bestätigen Sie Ihre E-Mail-Adresse · Gatehouse$/);
    const code = codeIn(mail);
    assert.match(mail.text, new RegExp(`Ihr Bestätigungscode lautet ${code}\\.`));
    assert.match(mail.text, /Ihr Gatehouse-Team/);
    assertGerman(mail.text, [code, email, env.t.config.publicUrl]);
  });

  it('the language switch’s cookie wins over Accept-Language: a password reset in German', async () => {
    const email = await registerWith(env, {});
    await env.smtp.waitFor(email, /^Verify your email address · Gatehouse$/);
    const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', headers: { 'accept-language': 'en', cookie: 'gh_lang=de' }, payload: { email } });
    assert.equal(res.statusCode, 202);
    const mail = await env.smtp.waitFor(email, /^Setzen Sie Ihr Passwort zurück · Gatehouse$/);
    const code = codeIn(mail);
    assert.match(mail.text, new RegExp(`Passworts lautet ${code}\\.`));
    assertGerman(mail.text, [code, email, env.t.config.publicUrl]);
  });

  it('an English reader gets English; a request naming no language Gatehouse speaks gets DEFAULT_LOCALE (en)', async () => {
    const english = await registerWith(env, { 'accept-language': 'en-GB' });
    const mail = await env.smtp.waitFor(english, /^Verify your email address · Gatehouse$/);
    assert.match(mail.text, /^Your verification code is \d{8}\./);
    const french = await registerWith(env, { 'accept-language': 'fr' });
    assert.match((await env.smtp.waitFor(french, /^Verify your email address · Gatehouse$/)).text, /The Gatehouse team/);
  });
});

describe('mail: DEFAULT_LOCALE=de', () => {
  let env: Env;
  before(async () => {
    env = await withMail({ env: { DEFAULT_LOCALE: 'de' } });
  });
  after(async () => {
    await env.close();
  });

  it('mail from a request that names no language is German; a reader asking for English still gets English', async () => {
    const silent = await registerWith(env, {});
    const mail = await env.smtp.waitFor(silent, /^Bestätigen Sie Ihre E-Mail-Adresse · Gatehouse$/);
    assertGerman(mail.text, [codeIn(mail), silent, env.t.config.publicUrl]);
    const english = await registerWith(env, { 'accept-language': 'en' });
    await env.smtp.waitFor(english, /^Verify your email address · Gatehouse$/);
  });
});

describe('mail: templates by locale', () => {
  it('every built-in template has a German version with the same placeholders', () => {
    const values = { code: '12345678', link: 'https://example.com/v', new_email: 'n@example.com', provider: 'GitHub', change: '«change»', removed: '«removed»', time: '«time»', ip: '203.0.113.9', device: '«device»', location: '«location»' };
    const templates = new MailTemplates(null, 'Acme');
    for (const name of TEMPLATE_NAMES) {
      const en = templates.render(name, values);
      const de = templates.render(name, { ...values, locale: 'de' });
      assert.notEqual(de.subject, en.subject, name);
      assert.match(en.subject, / · Acme$/, name);
      assert.match(de.subject, / · Acme$/, name);
      for (const part of ['text', 'html'] as const) {
        for (const value of Object.values(values)) assert.equal(de[part].includes(value), en[part].includes(value), `${name}.${part}: ${value}`);
      }
      assertGerman(de.text, Object.values(values));
    }
    // a locale Gatehouse does not speak renders in DEFAULT_LOCALE
    assert.equal(templates.render('verify_email', { locale: 'fr' }).subject, 'Verify your email address · Acme');
    assert.equal(new MailTemplates(null, 'Acme', 'de').render('verify_email', { locale: 'fr' }).subject, 'Bestätigen Sie Ihre E-Mail-Adresse · Acme');
  });

  it('an override for one language wins for that language only; the plain file is for DEFAULT_LOCALE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mail-locales-'));
    try {
      writeFileSync(join(dir, 'password_reset.de.subject.txt'), 'ACME: Passwort zurücksetzen\n');
      writeFileSync(join(dir, 'password_reset.subject.txt'), 'ACME: reset your password\n');
      const templates = new MailTemplates(dir, 'Acme');
      assert.equal(templates.render('password_reset', { locale: 'de' }).subject, 'ACME: Passwort zurücksetzen');
      assert.equal(templates.render('password_reset', { locale: 'en' }).subject, 'ACME: reset your password');
      assert.equal(templates.render('password_reset', {}).subject, 'ACME: reset your password');
      // the German text part has no file: the built-in German one
      assert.match(templates.render('password_reset', { locale: 'de' }).text, /^Ihr Code zum Zurücksetzen/);
      // with DEFAULT_LOCALE=de the plain file is German's, and English keeps its built-in subject
      const german = new MailTemplates(dir, 'Acme', 'de');
      assert.equal(german.render('password_reset', {}).subject, 'ACME: Passwort zurücksetzen');
      assert.equal(german.render('password_reset', { locale: 'en' }).subject, 'Reset your password · Acme');
      assert.equal(german.render('verify_email', {}).subject, 'Bestätigen Sie Ihre E-Mail-Adresse · Acme');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
