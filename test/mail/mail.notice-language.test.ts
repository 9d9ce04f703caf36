/**
 * Security notices in the reader's language, and mail someone else causes in the owner's
 * (docs/architecture.md, "Languages"): a notice's queued data holds values, not English words (an
 * ISO time, the device's parts, null for what is not known, the change as a code), and the
 * templates put them into words of the mail's language when it is sent; a message queued by an
 * earlier version with the words filled in still renders as it was. Mail an admin causes goes out
 * in the language the account's owner last used (users.locale), not the admin's. Over a real SMTP
 * exchange.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MailTemplates } from '../../src/mail/mail-templates.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { bearer, CHROME_MAC_UA, login, PASSWORD, uniqueEmail, userWithRoles, type TestUser } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { enableTotp } from '../mfa/mfa-helpers.js';
import { withMail } from '../email-ownership/email-helpers.js';
import { PageClient } from '../helpers/page-client.js';

type Env = Awaited<ReturnType<typeof withMail>>;

const GERMAN = { 'accept-language': 'de-DE,de;q=0.9' };
const ENGLISH = { 'accept-language': 'en-GB,en;q=0.9' };

/** registers through the API with `headers` (the reader's language); the user and their tokens */
async function registerWith(env: Env, headers: Record<string, string>): Promise<TestUser> {
  const email = uniqueEmail('lang');
  const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers, payload: { email, password: PASSWORD } });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  return { id: body.user.id, email, username: null, password: PASSWORD, accessToken: body.access_token, refreshToken: body.refresh_token, roles: body.user.roles };
}

async function storedLocale(env: Env, userId: string): Promise<string | null> {
  return (await env.t.services.database.db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirstOrThrow()).locale;
}

function assertNoEnglish(text: string, allowed: string[]): void {
  assert.deepEqual(englishWordsIn(text, allowed), []);
  assert.doesNotMatch(text, /\bunknown\b/);
}

describe('mail: security notices in the reader’s language', () => {
  let env: Env;
  const clock = new FakeClock(Date.parse('2026-12-07T14:05:00Z'));
  before(async () => {
    env = await withMail({ clock, env: { TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    await env.close();
  });

  it('a German user’s new-sign-in notice has no English in it, and its time is written the German way', async () => {
    const u = await registerWith(env, GERMAN);
    assert.equal(await storedLocale(env, u.id), 'de', 'registration stores the reader’s language');
    const res = await login(env.t.app, u.email, PASSWORD, { ...GERMAN, 'user-agent': CHROME_MAC_UA, 'x-forwarded-for': '203.0.113.7' });
    assert.equal(res.statusCode, 200, res.body);
    const notice = await env.smtp.waitFor(u.email, /^Neue Anmeldung von einem unbekannten Gerät · Gatehouse$/);
    assert.match(notice.text, /Wann: 7\. Dez\. 2026, 14:05\sUTC/);
    assert.match(notice.text, /Gerät: Chrome unter Mac OS \(Computer\)/);
    assert.match(notice.text, /IP-Adresse: 203\.0\.113\.7/);
    assert.match(notice.text, /Ort: unbekannt/);
    assertNoEnglish(notice.text, [u.email]);
    assertNoEnglish(readableText(notice.html), [u.email]);
    // what a notice queues is values, not words (the outbox row's data is blanked once sent)
    const origin = env.t.services.sessions.noticeOrigin({ actorId: null, ip: '203.0.113.7', userAgent: CHROME_MAC_UA, locale: 'de' });
    assert.deepEqual(origin, { time: '2026-12-07T14:05:00.000Z', ip: '203.0.113.7', device: { browser: 'Chrome', os: 'Mac OS', type: 'desktop' }, location: null });
  });

  it('an English admin resetting a German user’s second step, or deleting the account: the user’s mail is German', async () => {
    const admin = await userWithRoles(env.t.app, ['admin'], 'admin');
    const u = await registerWith(env, GERMAN);
    const withTotp = await enableTotp(env.t.app, u, clock);
    await env.smtp.waitFor(u.email, /^Ihre Anmeldemethoden wurden geändert/);
    const reset = await env.t.app.inject({ method: 'POST', url: `/api/v1/admin/users/${withTotp.id}/mfa/reset`, headers: { ...bearer(admin.accessToken), ...ENGLISH } });
    assert.equal(reset.statusCode, 204, reset.body);
    const notice = await env.smtp.waitFor(u.email, /^Ihre Anmeldemethoden wurden geändert/, 5000, 2);
    assert.match(notice.text, /Die Verwaltung hat alle zweiten Anmeldefaktoren/);
    assertNoEnglish(notice.text, [u.email]);
    const deleted = await env.t.app.inject({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}`, headers: { ...bearer(admin.accessToken), ...ENGLISH } });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const gone = await env.smtp.waitFor(u.email, /^Ihr Konto wurde gelöscht · Gatehouse$/);
    assertNoEnglish(gone.text, [u.email]);
  });

  it('a German admin deleting an English user: the user’s mail is English', async () => {
    const admin = await userWithRoles(env.t.app, ['admin'], 'admin');
    const u = await registerWith(env, ENGLISH);
    const deleted = await env.t.app.inject({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}`, headers: { ...bearer(admin.accessToken), ...GERMAN } });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const gone = await env.smtp.waitFor(u.email, /^Your account was deleted · Gatehouse$/);
    assert.match(gone.text, /^Your account and everything that belonged to it were deleted\./);
    assert.match(gone.text, /When: Dec 7, 2026/);
  });

  it('a sign-in in another language moves the stored one (only then is it written); an admin’s mail follows it', async () => {
    const admin = await userWithRoles(env.t.app, ['admin'], 'admin');
    const u = await registerWith(env, GERMAN);
    assert.equal((await login(env.t.app, u.email, PASSWORD, ENGLISH)).statusCode, 200);
    assert.equal(await storedLocale(env, u.id), 'en');
    // a sign-in naming no language leaves it as it is
    assert.equal((await login(env.t.app, u.email, PASSWORD)).statusCode, 200);
    assert.equal(await storedLocale(env, u.id), 'en');
    const deleted = await env.t.app.inject({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}`, headers: { ...bearer(admin.accessToken), ...GERMAN } });
    assert.equal(deleted.statusCode, 204, deleted.body);
    await env.smtp.waitFor(u.email, /^Your account was deleted · Gatehouse$/);
  });

  it('the pages’ language switch, used signed in, moves the stored language; signed out it is the cookie alone', async () => {
    const u = await registerWith(env, ENGLISH);
    const page = new PageClient(env.t.app);
    await page.get('/language/de?next=%2Flogin');
    assert.equal(await storedLocale(env, u.id), 'en', 'signed out: the account is not touched');
    await page.get('/language/en?next=%2Flogin');
    await page.signIn(u.email);
    assert.equal(await storedLocale(env, u.id), 'en');
    const switched = await page.get('/language/de?next=%2Fdashboard');
    assert.equal(switched.statusCode, 303);
    assert.equal(await storedLocale(env, u.id), 'de');
  });

  it('a notice queued by an earlier version, with its words filled in, still renders them', async () => {
    const email = uniqueEmail('old-row');
    const old = { time: '2026-12-07 14:05:00 UTC', ip: 'unknown', device: 'Chrome on Linux (desktop)', location: 'unknown', change: 'A passkey was added to your account.', locale: 'de' };
    await env.t.services.mail.enqueue(env.t.services.database.db, { template: 'sign_in_methods_changed', to: email, userId: null, data: old });
    const mail = await env.smtp.waitFor(email, /^Ihre Anmeldemethoden wurden geändert/);
    assert.match(mail.text, /^A passkey was added to your account\.$/m);
    assert.match(mail.text, /Wann: 2026-12-07 14:05:00 UTC/);
    assert.match(mail.text, /IP-Adresse: unknown/);
    assert.match(mail.text, /Gerät: Chrome on Linux \(desktop\)/);
  });
});

describe('mail: notice values at render time', () => {
  const templates = new MailTemplates(null, 'Acme');

  it('words in the mail’s language from the same data; unknown parts are said so', () => {
    const data = { time: '2026-12-07T14:05:00.000Z', ip: null, device: { browser: 'Firefox', os: 'Ubuntu', type: 'desktop' }, location: { city: 'Wellington', country: 'NZ' } };
    const en = templates.render('password_changed', data).text;
    assert.match(en, /When: Dec 7, 2026, 02:05\sPM\sUTC/);
    assert.match(en, /IP address: unknown/);
    assert.match(en, /Device: Firefox on Ubuntu \(desktop\)/);
    assert.match(en, /Location: Wellington, NZ/);
    const de = templates.render('password_changed', { ...data, locale: 'de' }).text;
    assert.match(de, /Wann: 7\. Dez\. 2026, 14:05\sUTC/);
    assert.match(de, /IP-Adresse: unbekannt/);
    assert.match(de, /Gerät: Firefox unter Ubuntu \(Computer\)/);
    assert.match(de, /Ort: Wellington, NZ/);
    assert.match(templates.render('new_sign_in', { ...data, device: null, location: null, locale: 'de' }).text, /Gerät: unbekannt\nOrt: unbekannt/);
  });

  it('a change and what a reset removed, from their codes; old rows’ text as it was', () => {
    const recovery = templates.render('sign_in_methods_changed', { change: { event: 'mfa.recovery_code_used', left: 9 }, locale: 'de' }).text;
    assert.match(recovery, /^Ein Wiederherstellungscode wurde zur Anmeldung in Ihrem Konto verwendet \(noch 9 übrig\)\.$/m);
    assert.match(templates.render('sign_in_methods_changed', { change: { event: 'mfa.recovery_code_used', left: 9 } }).text, /\(9 left\)/);
    const removed = [{ kind: 'identity', name: 'Acme ID' }, { kind: 'passkey', name: 'Laptop' }, { kind: 'recovery_codes', name: '10' }];
    const de = templates.render('password_reset_ways_in_removed', { removed, locale: 'de' }).text;
    assert.match(de, /^- Anmeldung mit Acme ID \(ein verknüpftes Konto\)\n- der Passkey „Laptop“\n- die Wiederherstellungscodes \(noch 10 übrig\)$/m);
    assert.deepEqual(englishWordsIn(de, ['Acme ID', 'Laptop']), []);
    assert.match(templates.render('password_reset_ways_in_removed', { removed }).text, /^- sign-in with Acme ID \(a linked account\)\n- the passkey "Laptop"\n- the recovery codes \(10 left\)$/m);
    assert.match(templates.render('password_reset_ways_in_removed', { removed: '- the passkey "Old"', locale: 'de' }).text, /^- the passkey "Old"$/m);
  });

  it('values are escaped in HTML as before, words or not', () => {
    const html = templates.render('new_sign_in', { device: { browser: '<b>x</b>', os: null, type: null }, location: '<i>old</i>', ip: '1.2.3.4' }).html;
    assert.match(html, /<td>&lt;b&gt;x&lt;\/b&gt;<\/td>/);
    assert.match(html, /<td>&lt;i&gt;old&lt;\/i&gt;<\/td>/);
    assert.doesNotMatch(html, /<b>x<\/b>|<i>old<\/i>/);
  });
});
