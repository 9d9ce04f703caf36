/** The password sign-in's wiring: registration, sign-in, refresh and password change (AuthService). */
import { AuthService, type AuthServiceDeps, type AuthSettings } from './auth-service.js';

export type AuthWiring = Omit<AuthServiceDeps, 'settings'> & { config: AuthSettings };

export function wireAuth({ config, ...deps }: AuthWiring): AuthService {
  return new AuthService({ ...deps, settings: config });
}
