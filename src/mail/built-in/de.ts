/** The built-in messages in German (typed by the same names as the English ones: a message missing here fails the build). */
import { htmlDocument, type Template, type TemplateName } from './template.js';

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

export const BUILT_IN_DE: Record<TemplateName, Template> = {
  verify_email: {
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    text: `Ihr Bestätigungscode lautet {{code}}. Er ist 24 Stunden gültig.

Oder öffnen Sie diesen Link, um Ihre Adresse zu bestätigen:
{{link}}

Falls Sie kein Konto angelegt haben, ignorieren Sie diese E-Mail.
`,
    html: htmlDocument(`<p>Ihr Bestätigungscode lautet <strong>{{code}}</strong>. Er ist 24 Stunden gültig.</p>
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
    html: htmlDocument(`<p>Ihr Code zum Zurücksetzen des Passworts lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
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
    html: htmlDocument(`<p>Ihr Anmeldecode lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig und meldet Sie einmal an.</p>
<p>Oder <a href="{{link}}">melden Sie sich mit einem Klick an</a>.</p>
<p>Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne diesen Code oder Link kann sich niemand anmelden.</p>`),
  },
  email_change: {
    subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse',
    text: `Ihr Code, um {{new_email}} als Adresse Ihres Kontos zu bestätigen, lautet {{code}}. Er ist 15 Minuten gültig.

Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.
`,
    html: htmlDocument(`<p>Ihr Code, um <strong>{{new_email}}</strong> als Adresse Ihres Kontos zu bestätigen, lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
<p>Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.</p>`),
  },
  email_change_current: {
    subject: 'Ihr Code zum Ändern Ihrer E-Mail-Adresse',
    text: `Jemand (hoffentlich Sie) möchte die E-Mail-Adresse Ihres Kontos ändern. Ihr Code lautet {{code}}. Er ist 15 Minuten gültig.

${NOT_YOU_TEXT_DE}
`,
    html: htmlDocument(`<p>Jemand (hoffentlich Sie) möchte die E-Mail-Adresse Ihres Kontos ändern. Ihr Code lautet <strong>{{code}}</strong>. Er ist 15 Minuten gültig.</p>
${NOT_YOU_HTML_DE}`),
  },
  sign_in_methods_changed: {
    subject: 'Ihre Anmeldemethoden wurden geändert',
    text: `{{change}}

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: htmlDocument(`<p>{{change}}</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  identity_linked: {
    subject: 'Ein Anmeldedienst wurde mit Ihrem Konto verbunden',
    text: `{{provider}} wurde mit Ihrem Konto verbunden: Wer sich mit diesem {{provider}}-Konto anmeldet, ist nun in Ihrem Konto angemeldet.

${WHERE_TEXT_DE}

Falls Sie das nicht waren, trennen Sie die Verbindung in Ihrer Übersicht, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Sitzungen.
`,
    html: htmlDocument(`<p><strong>{{provider}}</strong> wurde mit Ihrem Konto verbunden: Wer sich mit diesem {{provider}}-Konto anmeldet, ist nun in Ihrem Konto angemeldet.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, trennen Sie die Verbindung in Ihrer Übersicht, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Sitzungen.</p>`),
  },
  password_changed: {
    subject: 'Ihr Passwort wurde geändert',
    text: `Das Passwort Ihres Kontos wurde geändert, und alle anderen Sitzungen wurden abgemeldet.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: htmlDocument(`<p>Das Passwort Ihres Kontos wurde geändert, und alle anderen Sitzungen wurden abgemeldet.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  password_reset_done: {
    subject: 'Ihr Passwort wurde zurückgesetzt',
    text: `Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: htmlDocument(`<p>Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.</p>
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
    html: htmlDocument(`<p>Das Passwort Ihres Kontos wurde mit einem an diese Adresse gesendeten Code zurückgesetzt, und alle Sitzungen wurden abgemeldet.</p>
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
    html: htmlDocument(`<p>Die E-Mail-Adresse Ihres Kontos wurde in <strong>{{new_email}}</strong> geändert. E-Mails für das Konto gehen nun dorthin.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, wenden Sie sich sofort an die Verwaltung dieses Dienstes.</p>`),
  },
  new_sign_in: {
    subject: 'Neue Anmeldung von einem unbekannten Gerät',
    text: `In Ihrem Konto wurde sich von einem Gerät angemeldet, das bisher nicht dafür benutzt wurde.

${WHERE_TEXT_DE}

${NOT_YOU_TEXT_DE}
`,
    html: htmlDocument(`<p>In Ihrem Konto wurde sich von einem Gerät angemeldet, das bisher nicht dafür benutzt wurde.</p>
${WHERE_HTML_DE}
${NOT_YOU_HTML_DE}`),
  },
  account_deleted: {
    subject: 'Ihr Konto wurde gelöscht',
    text: `Ihr Konto und alles, was dazu gehörte, wurden gelöscht.

${WHERE_TEXT_DE}

Falls Sie das nicht waren, wenden Sie sich an die Verwaltung dieses Dienstes.
`,
    html: htmlDocument(`<p>Ihr Konto und alles, was dazu gehörte, wurden gelöscht.</p>
${WHERE_HTML_DE}
<p>Falls Sie das nicht waren, wenden Sie sich an die Verwaltung dieses Dienstes.</p>`),
  },
  second_step_locked: {
    subject: 'Zu viele falsche Anmeldecodes: zweiter Anmeldeschritt für eine Stunde gesperrt',
    text: `Jemand hat innerhalb eines Tages 20 falsche Codes für den zweiten Schritt der Anmeldung in Ihrem Konto eingegeben. Damit nicht weiter geraten wird, ist der zweite Schritt für eine Stunde gesperrt: Bis dahin kann niemand, auch Sie nicht, eine Anmeldung abschließen.

Wer sie eingegeben hat, kannte Ihr Passwort. Ändern Sie es, sobald Sie sich anmelden können.

${WHERE_TEXT_DE}
`,
    html: htmlDocument(`<p>Jemand hat innerhalb eines Tages 20 falsche Codes für den zweiten Schritt der Anmeldung in Ihrem Konto eingegeben. Damit nicht weiter geraten wird, ist der zweite Schritt für eine Stunde gesperrt: Bis dahin kann niemand, auch Sie nicht, eine Anmeldung abschließen.</p>
<p><strong>Wer sie eingegeben hat, kannte Ihr Passwort.</strong> Ändern Sie es, sobald Sie sich anmelden können.</p>
${WHERE_HTML_DE}`),
  },
};
