/**
 * The browser's half of a pending second step: the `mfa_token` in an HttpOnly cookie scoped to the
 * second-step page, living exactly as long as the token (second-step.ts). Whoever leaves a browser
 * at the second step — the sign-in page after a password, the social callback — sets it from here,
 * so its name, path and lifetime are written once.
 */
import { SECOND_STEP_SECONDS } from './second-step.js';

export const SECOND_STEP_COOKIE = 'gatehouse_mfa';

/** host-only, under /login (the second-step page is /login/mfa) */
export function secondStepCookieAttributes(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/login', secure };
}

/** the attributes that set it, with its lifetime */
export function secondStepCookie(secure: boolean) {
  return { ...secondStepCookieAttributes(secure), maxAge: SECOND_STEP_SECONDS };
}
