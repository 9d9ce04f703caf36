/**
 * The sign-in core's wiring: one way to finish a sign-in, below every sign-in method (password,
 * second step, passkey, social, email) and every feature that re-authenticates.
 */
import { SignInService, type SignInServiceDeps, type SignInSettings } from './sign-in-service.js';

export type SignInWiring = Omit<SignInServiceDeps, 'settings'> & { config: SignInSettings };

export function wireSignIn({ config, ...deps }: SignInWiring): SignInService {
  return new SignInService({ ...deps, settings: config });
}
