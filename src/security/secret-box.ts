/**
 * Encryption of secrets at rest (private signing keys, the current refresh token of a session,
 * OAuth client secrets, TOTP secrets) with AES-256-GCM under a key derived from SECRETS_KEY by HKDF, one
 * derived key per purpose so a ciphertext of one kind can never be replayed as another.
 * Format: v1.<iv>.<ciphertext+tag>, base64url. After SECRETS_KEY is changed (the old one in
 * SECRETS_KEY_PREVIOUS) both keys open; `gatehouse secrets rekey` re-seals what the old one sealed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDataDir } from '../db/data-dir.js';

/** a 32-byte key for one purpose, derived from SECRETS_KEY (HKDF-SHA256): keys of different purposes are unrelated */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `gatehouse:${purpose}`, 32));
}

export class SecretBox {
  readonly #key: Buffer;
  /** the key derived from SECRETS_KEY_PREVIOUS: what it sealed still opens until it is re-sealed */
  readonly #previous: Buffer | null;

  /** `previousMasterKey`: SECRETS_KEY_PREVIOUS, after SECRETS_KEY was changed and before `secrets rekey` ran */
  constructor(masterKey: Buffer, purpose: string, previousMasterKey: Buffer | null = null) {
    this.#key = deriveKey(masterKey, purpose);
    this.#previous = previousMasterKey ? deriveKey(previousMasterKey, purpose) : null;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** throws when the ciphertext was made neither with this key nor with the previous one (this purpose) */
  open(sealed: string): string {
    try {
      return openWith(this.#key, sealed);
    } catch (error) {
      if (!this.#previous) throw error;
      return openWith(this.#previous, sealed);
    }
  }

  /**
   * The secret sealed anew under the current key when it was sealed under the previous one; null
   * when it is already under the current key (nothing to do). Throws when neither key opens it.
   */
  reseal(sealed: string): string | null {
    try {
      openWith(this.#key, sealed);
      return null;
    } catch (error) {
      if (!this.#previous) throw error;
      return this.seal(openWith(this.#previous, sealed));
    }
  }
}

function openWith(key: Buffer, sealed: string): string {
  const [version, ivText, bodyText] = sealed.split('.');
  if (version !== 'v1' || !ivText || !bodyText) throw new Error('unrecognised sealed secret');
  const body = Buffer.from(bodyText, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}

/**
 * SECRETS_KEY when configured; otherwise the key generated once into DATA_DIR/secrets.key (the
 * embedded default; `create: false` for commands that must not make one up, such as audit verify).
 * Production with DATABASE_URL never gets here without SECRETS_KEY (loadConfig).
 */
export function resolveSecretsKey(configured: string | null, dataDir: string, options: { create?: boolean } = {}): { key: Buffer; generated: boolean } {
  if (configured) return { key: Buffer.from(configured, 'base64'), generated: false };
  const path = join(dataDir, 'secrets.key');
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
    return { key, generated: false };
  }
  if (options.create === false) throw new Error(`no SECRETS_KEY is set and ${path} does not exist`);
  ensureDataDir(dataDir);
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: true };
}
