/** Normalisation of the fields users type (docs/api.md): done once, here, for every path in. */
import { commonErrors } from '../errors.js';

const USERNAME = /^[a-z0-9_.-]{3,32}$/;

/**
 * One plain address, `local@domain`, and nothing a mail library could read as more: no display
 * name, list, group, comment, quotes, spaces or angle brackets (so no `,` `;` `:` `<` `>` `"` `(`
 * `)` `[` `]` `\`). The local part is a dot-atom (RFC 5322 atext, letters of any script); the
 * domain is dot-separated labels of letters, digits and inner hyphens, with at least one dot.
 */
const ATEXT = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
const PLAIN_ADDRESS = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})+$`, 'u');
const MAX_LOCAL = 64;
const MAX_EMAIL = 254;

/**
 * The stored form of an email: trimmed, lower-cased and NFC-normalised (two spellings of one
 * address, such as a precomposed `é` and `e` + combining accent, are one account), and one plain
 * address (see PLAIN_ADDRESS) — anything else is 400 validation_error naming `field`. Every path
 * an email enters by (sign-up, sign-in, reset, email change, admin, CLI, import, social sign-in)
 * goes through here, so what is stored and what mail is sent to are the same single address.
 */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase().normalize('NFC');
  if (!isPlainAddress(email)) throw commonErrors.validation([{ field, message: 'must be a valid email address' }]);
  return email;
}

/** `email` (already normalised) is one plain address: what normalizeEmail accepts */
export function isPlainAddress(email: string): boolean {
  const at = email.lastIndexOf('@');
  return email.length <= MAX_EMAIL && at > 0 && at <= MAX_LOCAL && PLAIN_ADDRESS.test(email);
}

export function normalizeUsername(raw: string, field = 'username'): string {
  // lower-cased only (docs/api.md): surrounding spaces are outside the alphabet like any other, so
  // the schema's 3–32 bound and this check agree on what a username is
  const username = raw.toLowerCase();
  if (!USERNAME.test(username)) {
    throw commonErrors.validation([{ field, message: 'must be 3–32 characters of a-z, 0-9, _ . -' }]);
  }
  return username;
}

/**
 * Identifiers typed at sign-in, as the lockout counts them (docs/security.md): trimmed, lower-cased and
 * NFC-normalised like a stored email, so either spelling of an address finds its account. Not
 * refused when malformed: no account has such an address, so it answers like any unknown login
 * (and an account stored before the plain-address rule can still sign in).
 */
export function normalizeLogin(raw: string): string {
  return raw.trim().toLowerCase().normalize('NFC');
}

/**
 * What the password-strength check is given as the user's own words (a password made of them is
 * weak): the account's email, username and name. One rule for every path that sets a password.
 */
export function passwordUserInputs(account: { email: string | null; username: string | null; name: string | null }): (string | null)[] {
  return [account.email, account.username, account.name];
}
