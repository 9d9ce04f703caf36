/** Sign-in by emailed code or link's wiring (EMAIL_LOGIN): the email feature's codes, finished by the sign-in core. */
import { EmailLoginService, type EmailLoginServiceDeps, type EmailLoginSettings } from './email-login-service.js';

export type EmailLoginWiring = Omit<EmailLoginServiceDeps, 'settings'> & { config: EmailLoginSettings };

export function wireEmailLogin({ config, ...deps }: EmailLoginWiring): EmailLoginService {
  return new EmailLoginService({ ...deps, settings: config });
}
