/** What a built-in message is: its name, and a subject, a plain-text body and an HTML body with `{{name}}` placeholders (mail-templates.ts fills and renders them). */

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

/** a message's HTML body inside the document every built-in message shares */
export function htmlDocument(body: string): string {
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
${body}
</body></html>
`;
}
