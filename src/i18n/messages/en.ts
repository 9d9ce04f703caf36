/**
 * The English catalogue: every text a page or a mail shows, by key, in ICU MessageFormat
 * (`{name}`, `{count, plural, one {# session} other {# sessions}}`). `{brand}` is BRAND_NAME and
 * is available in every message. Keys are grouped by the page or mail that uses them; the German
 * catalogue (de.ts) must have the same keys with the same arguments.
 *
 * Write a straight apostrophe only where ICU allows it (not next to `{` or `}`); prefer ’.
 */
export const en = {
  // ---- common
  'common.save': 'Save',
  'common.cancel': 'Cancel',

  // ---- layout (every page)
  'layout.skip': 'Skip to content',
  'layout.nav': 'Main',
  'layout.nav.dashboard': 'Dashboard',
  'layout.nav.products': 'Products',
  'layout.nav.admin': 'Admin',
  'layout.nav.account': 'Account',
  'layout.signOut': 'Sign out',
  'layout.signIn': 'Sign in',
  'layout.createAccount': 'Create account',
  'layout.signedIn': 'Signed in',
  'layout.title': '{title} · {brand}',
  'layout.footer': '{brand} · your sign-in is protected by this service',
  'layout.language': 'Language',

  // ---- public pages (sign-in, register, forgotten and reset password, verification)
  'public.signIn.title': 'Sign in',

  // ---- second step and MFA pages
  'mfa.title': 'Two-step verification',

  // ---- sign-in by emailed code
  'emailLogin.title': 'Sign in with a code',

  // ---- first-run setup
  'setup.title': 'Set up',

  // ---- OpenID Connect (consent, error pages)
  'oidc.consent.title': 'Allow access',

  // ---- errors shown on forms and error pages
  'error.notFound.title': 'Page not found',

  // ---- mail
  'mail.signature': 'The {brand} team',

  // ---- dashboard
  'dashboard.title': 'Dashboard',

  // ---- account
  'account.title': 'Account',

  // ---- products (PRODUCTS=on)
  'products.title': 'Products',

  // ---- admin console
  'admin.title': 'Admin',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
