/**
 * The emails Gatehouse sends (docs/operations.md), each a subject, a plain-text body and an HTML body, with
 * `{{name}}` placeholders filled from the message's data (escaped in HTML; a missing value is
 * empty). Built in below; an operator replaces any part of any message by putting a file in
 * MAIL_TEMPLATES_DIR: `<template>.<locale>.subject.txt`, `<template>.<locale>.txt`,
 * `<template>.<locale>.html` for one language, or `<template>.subject.txt`, `<template>.txt`,
 * `<template>.html` for DEFAULT_LOCALE (read once at start; a part without a file keeps the
 * built-in text of that language). The language is the message's `locale` (the reader's:
 * `readerData` in mail-service.ts), else DEFAULT_LOCALE. Rendering happens when the message is
 * sent, so a changed template applies to mail still queued; a security notice's time, device,
 * location and change are put into words of that language then too (notice-values.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '../http/html.js';
import { isLocale, LOCALES, type Locale } from '../i18n/locales.js';
import { translator } from '../i18n/translator.js';
import { noticeValues } from './notice-values.js';

export const TEMPLATE_NAMES = [
  'verify_email',
  'password_reset',
  'email_change',
  'email_change_current',
  'password_changed',
  'password_reset_done',
  'email_changed',
  'new_sign_in',
  'account_deleted',
  'sign_in_methods_changed',
  'password_reset_ways_in_removed',
  'second_step_locked',
  'identity_linked',
  'email_login',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface Template {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** the request a security notice describes: who changed what, from where, when */
const WHERE_TEXT = `When: {{time}}
IP address: {{ip}}
Device: {{device}}
Location: {{location}}`;
const WHERE_HTML = `<table>
<tr><th align="left">When</th><td>{{time}}</td></tr>
<tr><th align="left">IP address</th><td>{{ip}}</td></tr>
<tr><th align="left">Device</th><td>{{device}}</td></tr>
<tr><th align="left">Location</th><td>{{location}}</td></tr>
</table>`;
const NOT_YOU_TEXT = 'If this was not you, reset your password at once and review your sessions.';
const NOT_YOU_HTML = `<p>${NOT_YOU_TEXT}</p>`;

function html(body: string): string {
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
${body}
</body></html>
`;
}

const BUILT_IN_EN: Record<TemplateName, Template> = {
  verify_email: {
    subject: 'Verify your email address',
    text: `Your verification code is {{code}}. It is valid for 24 hours.

Or open this link to verify your address:
{{link}}

If you did not create an account, ignore this email.
`,
    html: html(`<p>Your verification code is <strong>{{code}}</strong>. It is valid for 24 hours.</p>
<p>Or <a href="{{link}}">verify your address with one click</a>.</p>
<p>If you did not create an account, ignore this email.</p>`),
  },
  password_reset: {
    subject: 'Reset your password',
    text: `Your password reset code is {{code}}. It is valid for 15 minutes.

Or open this link to choose a new password:
{{link}}

If you did not ask for this, ignore this email: your password stays as it is.
`,
    html: html(`<p>Your password reset code is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
<p>Or <a href="{{link}}">choose a new password</a>.</p>
<p>If you did not ask for this, ignore this email: your password stays as it is.</p>`),
  },
  email_login: {
    subject: 'Your sign-in code',
    text: `Your sign-in code is {{code}}. It is valid for 15 minutes and signs in once.

Or open this link and press its button to sign in:
{{link}}

If you did not ask for this, ignore this email: nobody can sign in without this code or link.
`,
    html: html(`<p>Your sign-in code is <strong>{{code}}</strong>. It is valid for 15 minutes and signs in once.</p>
<p>Or <a href="{{link}}">sign in with one click</a>.</p>
<p>If you did not ask for this, ignore this email: nobody can sign in without this code or link.</p>`),
  },
  email_change: {
    subject: 'Confirm your new email address',
    text: `Your code to confirm {{new_email}} as your account's address is {{code}}. It is valid for 15 minutes.

If you did not ask for this, ignore this email.
`,
    html: html(`<p>Your code to confirm <strong>{{new_email}}</strong> as your account's address is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
<p>If you did not ask for this, ignore this email.</p>`),
  },
  email_change_current: {
    subject: 'Your code to change your email address',
    text: `Someone (hopefully you) wants to change the email address of your account. Your code is {{code}}. It is valid for 15 minutes.

${NOT_YOU_TEXT}
`,
    html: html(`<p>Someone (hopefully you) wants to change the email address of your account. Your code is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
${NOT_YOU_HTML}`),
  },
  sign_in_methods_changed: {
    subject: 'How you sign in has changed',
    text: `{{change}}

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: html(`<p>{{change}}</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  identity_linked: {
    subject: 'A sign-in provider was connected to your account',
    text: `{{provider}} was connected to your account: signing in with that {{provider}} account now signs in to yours.

${WHERE_TEXT}

If this was not you, disconnect it on your dashboard, reset your password at once and review your sessions.
`,
    html: html(`<p><strong>{{provider}}</strong> was connected to your account: signing in with that {{provider}} account now signs in to yours.</p>
${WHERE_HTML}
<p>If this was not you, disconnect it on your dashboard, reset your password at once and review your sessions.</p>`),
  },
  password_changed: {
    subject: 'Your password was changed',
    text: `The password of your account was changed, and every other session was signed out.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: html(`<p>The password of your account was changed, and every other session was signed out.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  password_reset_done: {
    subject: 'Your password was reset',
    text: `The password of your account was reset with a code sent to this address, and every session was signed out.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: html(`<p>The password of your account was reset with a code sent to this address, and every session was signed out.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  password_reset_ways_in_removed: {
    subject: 'Your password was reset and other ways in were removed',
    text: `The password of your account was reset with a code sent to this address, and every session was signed out.

The address had not been verified before, so whoever created the account may not have been you. Every other way into the account set up before this reset was removed:
{{removed}}

If they were yours, set them up again from your account page.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: html(`<p>The password of your account was reset with a code sent to this address, and every session was signed out.</p>
<p>The address had not been verified before, so whoever created the account may not have been you. Every other way into the account set up before this reset was removed:</p>
<p style="white-space: pre-line">{{removed}}</p>
<p>If they were yours, set them up again from your account page.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  email_changed: {
    subject: 'Your email address was changed',
    text: `The email address of your account was changed to {{new_email}}. Mail for the account now goes there.

${WHERE_TEXT}

If this was not you, contact the administrator of this service at once.
`,
    html: html(`<p>The email address of your account was changed to <strong>{{new_email}}</strong>. Mail for the account now goes there.</p>
${WHERE_HTML}
<p>If this was not you, contact the administrator of this service at once.</p>`),
  },
  new_sign_in: {
    subject: 'New sign-in from a device not seen before',
    text: `Your account was signed in to from a device it had not been used on before.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: html(`<p>Your account was signed in to from a device it had not been used on before.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  account_deleted: {
    subject: 'Your account was deleted',
    text: `Your account and everything that belonged to it were deleted.

${WHERE_TEXT}

If this was not you, contact the administrator of this service.
`,
    html: html(`<p>Your account and everything that belonged to it were deleted.</p>
${WHERE_HTML}
<p>If this was not you, contact the administrator of this service.</p>`),
  },
  second_step_locked: {
    subject: 'Too many wrong sign-in codes: two-step sign-in locked for an hour',
    text: `Someone entered 20 wrong codes for the second step of signing in to your account within a day. To stop them guessing, the second step is locked for an hour: nobody, you included, can finish a sign-in until then.

Whoever entered them knew your password. Change it as soon as you can sign in.

${WHERE_TEXT}
`,
    html: html(`<p>Someone entered 20 wrong codes for the second step of signing in to your account within a day. To stop them guessing, the second step is locked for an hour: nobody, you included, can finish a sign-in until then.</p>
<p><strong>Whoever entered them knew your password.</strong> Change it as soon as you can sign in.</p>
${WHERE_HTML}`),
  },
};


const WHERE_TEXT_DE = `Wann: {{time}}
IP-Adresse: {{ip}}
Gerät: {{device}}
Ort: {{location}}`;
const WHERE_HTML_DE = `<table>
<tr><th align="left">Wann</th><td>{{time}}</td></tr>
<tr><th align="left">IP-Adresse</th><td>{{ip}}</td></tr>
<tr><th align="left">Gerät</th><td>{{device}}</td></tr>
<tr><th align="left">Ort</th><td>{{location}}</td></tr>
</table>`;
const NOT_YOU_TEXT_DE = 'Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Sitzungen.';
const NOT_YOU_HTML_DE = `<p>${NOT_YOU_TEXT_DE}</p>`;

const BUILT_IN_DE: Record<TemplateName, Template> = {
  verify_email: {
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    text: `Ihr Bestätigungscode lautet {{code}}. Er ist 24 Stunden gültig.

Oder öffnen Sie diesen Link, um Ihre Adresse zu bestätigen:
{{link}}

Falls Sie kein Konto angelegt haben, ignorieren Sie diese E-Mail.
`,
    html: html(`<p>Ihr Bestätigungscode lautet <strong>{{code}}</strong>. Er ist 24 Stunden gültig.</p>
<p>Oder <a href="{{link}}">bestätigen Sie Ihre Adresse mit einem Klick</a>.</p>
<p>Falls Sie kein Konto angelegt haben, ignorieren Sie diese E-Mail.</p>`),
  },
  password_reset: {
    subject: 'Setzen Sie Ihr Passwort zurück',
    text: `Ihr Code zum Zurücksetzen des Passworts lautet {{code}}. Er ist 15 Minuten gültig.

Oder öffnen Sie diesen Link, um ein neues Passwort zu wählen:
{{link}}

Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
`,
    html: html(`<p>Ihr Code zum Zurücksetzen des Passworts lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
<p>Oder <a href="{{link}}">wählen Sie ein neues Passwort</a>.</p>
<p>Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.</p>`),
  },
  email_login: {
    subject: 'Ihr Anmeldecode',
    text: `Ihr Anmeldecode lautet {{code}}. Er ist 15 Minuten gültig und meldet Sie einmal an.

Oder öffnen Sie diesen Link und drücken Sie dort die Schaltfläche, um sich anzumelden:
{{link}}

Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne diesen Code oder Link kann sich niemand anmelden.
`,
    html: html(`<p>Ihr Anmeldecode lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig und meldet Sie einmal an.</p>
<p>Oder <a href="{{link}}">melden Sie sich mit einem Klick an</a>.</p>
<p>Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne diesen Code oder Link kann sich niemand anmelden.</p>`),
  },
  email_change: {
    subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse',
    text: `Ihr Code, um {{new_email}} als Adresse Ihres Kontos zu bestätigen, lautet {{code}}. Er ist 15 Minuten gültig.

Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.
`,
    html: html(`<p>Ihr Code, um <strong>{{new_email}}</strong> als Adresse Ihres Kontos zu bestätigen, lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
<p>Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.</p>`),
  },
  email_change_current: {
    subject: 'Ihr Code zum Ändern Ihrer E-Mail-Adresse',
    text: `Jemand (hoffentlich Sie) möchte die E-Mail-Adresse Ihres Kontos ändern. Ihr Code lautet {{code}}. Er ist 15 Minuten gültig.

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>Jemand (hoffentlich Sie) möchte die E-Mail-Adresse Ihres Kontos ändern. Ihr Code lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
${NOT_YOU_HTML_DE}`),
  },
  sign_in_methods_changed: {
    subject: 'Ihre Anmeldemethoden wurden geändert',
    text: `{{change}}

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>{{change}}</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  identity_linked: {
    subject: 'Ein Anmeldedienst wurde mit Ihrem Konto verbunden',
    text: `{{provider}} wurde mit Ihrem Konto verbunden: Wer sich mit diesem {{provider}}-Konto anmeldet, ist nun in Ihrem Konto angemeldet.

${WHERE_TEXT_DE}

Falls Sie das nicht waren, trennen Sie die Verbindung in Ihrer Übersicht, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Sitzungen.
`,
    html: html(`<p><strong>{{provider}}</strong> wurde mit Ihrem Konto verbunden: Wer sich mit diesem {{provider}}-Konto anmeldet, ist nun in Ihrem Konto angemeldet.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, trennen Sie die Verbindung in Ihrer Übersicht, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Sitzungen.</p>`),
  },
  password_changed: {
    subject: 'Ihr Passwort wurde geändert',
    text: `Das Passwort Ihres Kontos wurde geändert, und alle anderen Sitzungen wurden abgemeldet.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>Das Passwort Ihres Kontos wurde geändert, und alle anderen Sitzungen wurden abgemeldet.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  password_reset_done: {
    subject: 'Ihr Passwort wurde zurückgesetzt',
    text: `Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  password_reset_ways_in_removed: {
    subject: 'Ihr Passwort wurde zurückgesetzt und andere Zugänge wurden entfernt',
    text: `Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.

Die Adresse war zuvor nicht bestätigt, daher hat das Konto womöglich jemand anderes angelegt. Alle anderen Zugänge zum Konto, die vor diesem Zurücksetzen eingerichtet waren, wurden entfernt:
{{removed}}

Falls sie Ihnen gehörten, richten Sie sie auf Ihrer Kontoseite neu ein.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.</p>
<p>Die Adresse war zuvor nicht bestätigt, daher hat das Konto womöglich jemand anderes angelegt. Alle anderen Zugänge zum Konto, die vor diesem Zurücksetzen eingerichtet waren, wurden entfernt:</p>
<p style="white-space: pre-line">{{removed}}</p>
<p>Falls sie Ihnen gehörten, richten Sie sie auf Ihrer Kontoseite neu ein.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  email_changed: {
    subject: 'Ihre E-Mail-Adresse wurde geändert',
    text: `Die E-Mail-Adresse Ihres Kontos wurde in {{new_email}} geändert. E-Mails für das Konto gehen nun dorthin.

${WHERE_TEXT_DE}

Falls Sie das nicht waren, wenden Sie sich sofort an die Verwaltung dieses Dienstes.
`,
    html: html(`<p>Die E-Mail-Adresse Ihres Kontos wurde in <strong>{{new_email}}</strong> geändert. E-Mails für das Konto gehen nun dorthin.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, wenden Sie sich sofort an die Verwaltung dieses Dienstes.</p>`),
  },
  new_sign_in: {
    subject: 'Neue Anmeldung von einem unbekannten Gerät',
    text: `In Ihrem Konto wurde sich von einem Gerät angemeldet, das bisher nicht dafür benutzt wurde.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: html(`<p>In Ihrem Konto wurde sich von einem Gerät angemeldet, das bisher nicht dafür benutzt wurde.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  account_deleted: {
    subject: 'Ihr Konto wurde gelöscht',
    text: `Ihr Konto und alles, was dazu gehörte, wurden gelöscht.

${WHERE_TEXT_DE}

Falls Sie das nicht waren, wenden Sie sich an die Verwaltung dieses Dienstes.
`,
    html: html(`<p>Ihr Konto und alles, was dazu gehörte, wurden gelöscht.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, wenden Sie sich an die Verwaltung dieses Dienstes.</p>`),
  },
  second_step_locked: {
    subject: 'Zu viele falsche Anmeldecodes: zweiter Anmeldeschritt für eine Stunde gesperrt',
    text: `Jemand hat innerhalb eines Tages 20 falsche Codes für den zweiten Schritt der Anmeldung in Ihrem Konto eingegeben. Damit nicht weiter geraten wird, ist der zweite Schritt für eine Stunde gesperrt: Bis dahin kann niemand, auch Sie nicht, eine Anmeldung abschließen.

Wer sie eingegeben hat, kannte Ihr Passwort. Ändern Sie es, sobald Sie sich anmelden können.

${WHERE_TEXT_DE}
`,
    html: html(`<p>Jemand hat innerhalb eines Tages 20 falsche Codes für den zweiten Schritt der Anmeldung in Ihrem Konto eingegeben. Damit nicht weiter geraten wird, ist der zweite Schritt für eine Stunde gesperrt: Bis dahin kann niemand, auch Sie nicht, eine Anmeldung abschließen.</p>
<p><strong>Wer sie eingegeben hat, kannte Ihr Passwort.</strong> Ändern Sie es, sobald Sie sich anmelden können.</p>
${WHERE_HTML_DE}`),
  },
};

const BUILT_IN: Record<Locale, Record<TemplateName, Template>> = { en: BUILT_IN_EN, de: BUILT_IN_DE };

/** the built-in messages' signature, per language (their subjects end with ` · {{brand}}`) */
const SIGNATURE_TEXT: Record<Locale, string> = { en: `-- \nThe {{brand}} team\n`, de: `-- \nIhr {{brand}}-Team\n` };
const SIGNATURE_HTML: Record<Locale, string> = { en: '<p style="color: #57606a">The {{brand}} team</p>', de: '<p style="color: #57606a">Ihr {{brand}}-Team</p>' };

/**
 * MAIL_FROM with BRAND_NAME as the sender's display name when MAIL_FROM names none or keeps the
 * default "Gatehouse" (an operator's own display name wins)
 */
export function senderOf(mailFrom: string, brand: string): string {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(mailFrom);
  const name = m ? (m[1] ?? '').trim() : '';
  const address = m ? m[2]! : mailFrom.trim();
  if (name !== '' && name !== 'Gatehouse') return mailFrom;
  return `"${brand.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

function fill(template: string, data: Record<string, unknown>, escape: (s: string) => string): string {
  return template.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/gi, (_, key: string) => {
    const value = data[key];
    return value === null || value === undefined ? '' : escape(String(value));
  });
}

export class MailTemplates {
  readonly #templates: Record<Locale, Record<string, Template>>;

  /**
   * `dir`: MAIL_TEMPLATES_DIR (null: the built-in templates only); `brand`: BRAND_NAME, which every
   * template may use as `{{brand}}` and the built-in ones put in the signature; `defaultLocale`:
   * DEFAULT_LOCALE, the language of a message that names none (and of the files without a locale)
   */
  constructor(
    dir: string | null,
    readonly brand = 'Gatehouse',
    readonly defaultLocale: Locale = 'en',
  ) {
    const byLocale = {} as Record<Locale, Record<string, Template>>;
    for (const locale of LOCALES) {
      const templates: Record<string, Template> = {};
      for (const name of TEMPLATE_NAMES) {
        const builtIn = BUILT_IN[locale][name];
        const read = (suffix: string, fallback: string) => {
          if (!dir) return fallback;
          const own = join(dir, `${name}.${locale}${suffix}`);
          if (existsSync(own)) return readFileSync(own, 'utf8');
          const general = join(dir, `${name}${suffix}`);
          return locale === defaultLocale && existsSync(general) ? readFileSync(general, 'utf8') : fallback;
        };
        templates[name] = {
          subject: read('.subject.txt', `${builtIn.subject} · {{brand}}`).trim(),
          text: read('.txt', `${builtIn.text}\n${SIGNATURE_TEXT[locale]}`),
          html: read('.html', builtIn.html.replace('\n</body>', `\n${SIGNATURE_HTML[locale]}\n</body>`)),
        };
      }
      byLocale[locale] = templates;
    }
    this.#templates = byLocale;
  }

  /** renders `name` in the language of `values.locale` (DEFAULT_LOCALE when missing or unknown) */
  render(name: string, values: Record<string, unknown>): RenderedMail {
    const locale = isLocale(values['locale']) ? values['locale'] : this.defaultLocale;
    const t = this.#templates[locale][name];
    if (!t) throw new Error(`unknown mail template "${name}"`);
    // a notice's time, device, change … in words of this language (notice-values.ts)
    const data = { ...noticeValues(translator(locale, this.brand), values), brand: this.brand };
    // a subject is one line: a value with a line break must not add headers
    return { subject: fill(t.subject, data, (s) => s.replace(/[\r\n]+/g, ' ')), text: fill(t.text, data, (s) => s), html: fill(t.html, data, escapeHtml) };
  }
}
