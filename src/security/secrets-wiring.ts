/**
 * SECRETS_KEY as the features receive it: never the master key itself, but a key or a SecretBox
 * derived from it for one purpose each (docs/security.md). DATA_DIR is made first when it holds
 * the embedded database or the generated key.
 */
import type { Config } from '../config/load-config.js';
import { ensureDataDir } from '../db/data-dir.js';
import { deriveKey, resolveSecretsKey, SecretBox } from './secret-box.js';

export interface Secrets {
  readonly masterKey: Buffer;
  /** SECRETS_KEY_PREVIOUS as a key, or null */
  readonly previousKey: Buffer | null;
  /** a key of its own for `purpose` */
  key(purpose: string): Buffer;
  /** a box of its own for `purpose`, which still opens what SECRETS_KEY_PREVIOUS sealed */
  box(purpose: string): SecretBox;
}

export interface SecretsWiring {
  config: Pick<Config, 'databaseUrl' | 'secretsKey' | 'secretsKeyPrevious' | 'dataDir'>;
  warn(message: string): void;
}

/** SECRETS_KEY_PREVIOUS as a key, or null */
export function previousSecretsKey(config: Pick<Config, 'secretsKeyPrevious'>): Buffer | null {
  return config.secretsKeyPrevious ? Buffer.from(config.secretsKeyPrevious, 'base64') : null;
}

export function wireSecrets({ config, warn }: SecretsWiring): Secrets {
  // DATA_DIR holds the embedded database and/or the generated secrets key
  if (!config.databaseUrl || !config.secretsKey) {
    const warning = ensureDataDir(config.dataDir);
    if (warning) warn(warning);
  }
  const { key: masterKey } = resolveSecretsKey(config.secretsKey, config.dataDir);
  const previousKey = previousSecretsKey(config);
  return {
    masterKey,
    previousKey,
    key: (purpose) => deriveKey(masterKey, purpose),
    box: (purpose) => new SecretBox(masterKey, purpose, previousKey),
  };
}
