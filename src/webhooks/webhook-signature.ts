/**
 * Standard Webhooks (standardwebhooks.com) signing: a secret is `whsec_` + base64 of 32 random
 * bytes; a delivery carries `webhook-id`, `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature`: `v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>" keyed with the
 * secret's decoded bytes>`, space-separated when two secrets are live (a rotation's overlap), so
 * any receiver can verify with the `standardwebhooks` package.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', keyBytes(s)).update(content).digest('base64')}`).join(' ');
}
