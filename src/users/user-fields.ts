/** Normalisation of the fields users type (SPEC §2): done once, here, for every path in. */
import { commonErrors } from '../errors.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const USERNAME = /^[a-z0-9_.-]{3,32}$/;

export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw commonErrors.validation([{ field, message: 'must be a valid email address' }]);
  return email;
}

export function normalizeUsername(raw: string, field = 'username'): string {
  // lower-cased only (SPEC §2): surrounding spaces are outside the alphabet like any other, so
  // the schema's 3–32 bound and this check agree on what a username is
  const username = raw.toLowerCase();
  if (!USERNAME.test(username)) {
    throw commonErrors.validation([{ field, message: 'must be 3–32 characters of a-z, 0-9, _ . -' }]);
  }
  return username;
}

/** identifiers typed at sign-in, as the lockout counts them (SPEC §8) */
export function normalizeLogin(raw: string): string {
  return raw.trim().toLowerCase();
}
