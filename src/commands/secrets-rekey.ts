/**
 * `gatehouse secrets rekey`, after SECRETS_KEY was changed with the old key in
 * SECRETS_KEY_PREVIOUS: every feature that seals secrets re-seals its own under the new key, then
 * the audit chain ends its era under the old key at a sealed boundary (audit-chain.ts), and one
 * `secrets.rekeyed` event records the counts. Idempotent: a second run finds nothing left and says
 * so. Afterwards SECRETS_KEY_PREVIOUS can be removed.
 */
import type { Services } from '../services.js';
import type { CommandIo, Workbench } from './command-io.js';

/**
 * Every owner of sealed secrets, each re-sealing its own table through its service (the count
 * re-sealed).
 */
function sealedSecretOwners(services: Services): { name: string; rekey: () => Promise<number> }[] {
  return [
    { name: 'signing_keys', rekey: () => services.keys.rekeySecrets() },
    { name: 'oauth_client_secrets', rekey: () => services.oauthProviders.rekeySecrets() },
    { name: 'totp_secrets', rekey: () => services.mfa.rekeySecrets() },
    { name: 'oidc_client_secrets', rekey: () => services.oidcClients.rekeySecrets() },
    { name: 'webhook_secrets', rekey: () => services.webhooks.rekeySecrets() },
    { name: 'session_refresh_tokens', rekey: () => services.sessions.rekeySecrets() },
  ];
}

export async function secretsRekey(wb: Workbench, io: CommandIo): Promise<number> {
  const services = await wb.services();
  if (!services.config.secretsKeyPrevious) io.err('SECRETS_KEY_PREVIOUS is not set: only secrets sealed under SECRETS_KEY can be opened; checking that nothing is left.\n');
  const counts: Record<string, number> = {};
  for (const owner of sealedSecretOwners(services)) counts[owner.name] = await owner.rekey();
  const { chainRekeyed } = await services.audit.rekeyChain(wb.ctx, counts);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0 && !chainRekeyed) {
    io.out('Nothing to re-encrypt: every sealed secret and the audit chain are already under SECRETS_KEY.\n');
    return 0;
  }
  io.out(`Re-encrypted under SECRETS_KEY: ${Object.entries(counts).map(([name, n]) => `${name} ${n}`).join(', ')}; audit chain ${chainRekeyed ? 're-keyed from a sealed boundary' : 'already under SECRETS_KEY'}.\n`);
  io.out('SECRETS_KEY_PREVIOUS can now be removed.\n');
  return 0;
}
