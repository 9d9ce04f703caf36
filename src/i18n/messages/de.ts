/**
 * Der deutsche Katalog: dieselben Schlüssel wie en.ts (der Compiler verlangt jeden), dieselben
 * Argumente (test/i18n prüft das). Anrede: „Sie“.
 */
import type { MessageKey } from './en.js';

export const de: Record<MessageKey, string> = {
  // ---- common
  'common.save': 'Speichern',
  'common.cancel': 'Abbrechen',

  // ---- layout (every page)
  'layout.skip': 'Zum Inhalt springen',
  'layout.nav': 'Hauptmenü',
  'layout.nav.dashboard': 'Übersicht',
  'layout.nav.products': 'Produkte',
  'layout.nav.admin': 'Verwaltung',
  'layout.nav.account': 'Konto',
  'layout.signOut': 'Abmelden',
  'layout.signIn': 'Anmelden',
  'layout.createAccount': 'Konto erstellen',
  'layout.signedIn': 'Angemeldet',
  'layout.title': '{title} · {brand}',
  'layout.footer': '{brand} · Ihre Anmeldung wird von diesem Dienst geschützt',
  'layout.language': 'Sprache',

  // ---- public pages (sign-in, register, forgotten and reset password, verification)
  'public.signIn.title': 'Anmelden',

  // ---- second step and MFA pages
  'mfa.title': 'Bestätigung in zwei Schritten',

  // ---- sign-in by emailed code
  'emailLogin.title': 'Mit einem Code anmelden',

  // ---- first-run setup
  'setup.title': 'Einrichtung',

  // ---- OpenID Connect (consent, error pages)
  'oidc.consent.title': 'Zugriff erlauben',

  // ---- errors shown on forms and error pages
  'error.notFound.title': 'Seite nicht gefunden',

  // ---- mail
  'mail.signature': 'Ihr {brand}-Team',

  // ---- dashboard
  'dashboard.title': 'Übersicht',

  // ---- account
  'account.title': 'Konto',

  // ---- products (PRODUCTS=on)
  'products.title': 'Produkte',

  // ---- admin console
  'admin.title': 'Verwaltung',
};
