/** The built-in messages in English (the operator's files in MAIL_TEMPLATES_DIR replace any part: mail-templates.ts). */
import { htmlDocument, type Template, type TemplateName } from './template.js';

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

export const BUILT_IN_EN: Record<TemplateName, Template> = {
  verify_email: {
    subject: 'Verify your email address',
    text: `Your verification code is {{code}}. It is valid for 24 hours.

Or open this link to verify your address:
{{link}}

If you did not create an account, ignore this email.
`,
    html: htmlDocument(`<p>Your verification code is <strong>{{code}}</strong>. It is valid for 24 hours.</p>
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
    html: htmlDocument(`<p>Your password reset code is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
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
    html: htmlDocument(`<p>Your sign-in code is <strong>{{code}}</strong>. It is valid for 15 minutes and signs in once.</p>
<p>Or <a href="{{link}}">sign in with one click</a>.</p>
<p>If you did not ask for this, ignore this email: nobody can sign in without this code or link.</p>`),
  },
  email_change: {
    subject: 'Confirm your new email address',
    text: `Your code to confirm {{new_email}} as your account's address is {{code}}. It is valid for 15 minutes.

If you did not ask for this, ignore this email.
`,
    html: htmlDocument(`<p>Your code to confirm <strong>{{new_email}}</strong> as your account's address is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
<p>If you did not ask for this, ignore this email.</p>`),
  },
  email_change_current: {
    subject: 'Your code to change your email address',
    text: `Someone (hopefully you) wants to change the email address of your account. Your code is {{code}}. It is valid for 15 minutes.

${NOT_YOU_TEXT}
`,
    html: htmlDocument(`<p>Someone (hopefully you) wants to change the email address of your account. Your code is <strong>{{code}}</strong>. It is valid for 15 minutes.</p>
${NOT_YOU_HTML}`),
  },
  sign_in_methods_changed: {
    subject: 'How you sign in has changed',
    text: `{{change}}

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: htmlDocument(`<p>{{change}}</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  identity_linked: {
    subject: 'A sign-in provider was connected to your account',
    text: `{{provider}} was connected to your account: signing in with that {{provider}} account now signs in to yours.

${WHERE_TEXT}

If this was not you, disconnect it on your dashboard, reset your password at once and review your sessions.
`,
    html: htmlDocument(`<p><strong>{{provider}}</strong> was connected to your account: signing in with that {{provider}} account now signs in to yours.</p>
${WHERE_HTML}
<p>If this was not you, disconnect it on your dashboard, reset your password at once and review your sessions.</p>`),
  },
  password_changed: {
    subject: 'Your password was changed',
    text: `The password of your account was changed, and every other session was signed out.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: htmlDocument(`<p>The password of your account was changed, and every other session was signed out.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  password_reset_done: {
    subject: 'Your password was reset',
    text: `The password of your account was reset with a code sent to this address, and every session was signed out.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: htmlDocument(`<p>The password of your account was reset with a code sent to this address, and every session was signed out.</p>
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
    html: htmlDocument(`<p>The password of your account was reset with a code sent to this address, and every session was signed out.</p>
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
    html: htmlDocument(`<p>The email address of your account was changed to <strong>{{new_email}}</strong>. Mail for the account now goes there.</p>
${WHERE_HTML}
<p>If this was not you, contact the administrator of this service at once.</p>`),
  },
  new_sign_in: {
    subject: 'New sign-in from a device not seen before',
    text: `Your account was signed in to from a device it had not been used on before.

${WHERE_TEXT}

${NOT_YOU_TEXT}
`,
    html: htmlDocument(`<p>Your account was signed in to from a device it had not been used on before.</p>
${WHERE_HTML}
${NOT_YOU_HTML}`),
  },
  account_deleted: {
    subject: 'Your account was deleted',
    text: `Your account and everything that belonged to it were deleted.

${WHERE_TEXT}

If this was not you, contact the administrator of this service.
`,
    html: htmlDocument(`<p>Your account and everything that belonged to it were deleted.</p>
${WHERE_HTML}
<p>If this was not you, contact the administrator of this service.</p>`),
  },
  second_step_locked: {
    subject: 'Too many wrong sign-in codes: two-step sign-in locked for an hour',
    text: `Someone entered 20 wrong codes for the second step of signing in to your account within a day. To stop them guessing, the second step is locked for an hour: nobody, you included, can finish a sign-in until then.

Whoever entered them knew your password. Change it as soon as you can sign in.

${WHERE_TEXT}
`,
    html: htmlDocument(`<p>Someone entered 20 wrong codes for the second step of signing in to your account within a day. To stop them guessing, the second step is locked for an hour: nobody, you included, can finish a sign-in until then.</p>
<p><strong>Whoever entered them knew your password.</strong> Change it as soon as you can sign in.</p>
${WHERE_HTML}`),
  },
};
