import { sql, type Selectable } from 'kysely';
import type { Executor, PasskeysTable } from '../db/database-types.js';

export interface TotpRecord {
  /** the confirmed secret, sealed; null when TOTP is off */
  secretEnc: string | null;
  pendingSecretEnc: string | null;
  lastStep: number | null;
}

export interface PasskeyRecord {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface FactorSummary {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: number;
}

function toPasskey(r: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    credentialId: r.credential_id,
    publicKey: new Uint8Array(Buffer.from(r.public_key, 'base64url')),
    counter: Number(r.counter),
    transports: r.transports,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export class MfaRepository {
  /** what the user has, in one statement */
  async summary(db: Executor, userId: string): Promise<FactorSummary> {
    const row = await db
      .selectNoFrom([
        sql<boolean>`exists (select 1 from mfa_totp where user_id = ${userId} and secret_enc is not null)`.as('totp'),
        sql<number>`(select count(*)::int from mfa_recovery_codes where user_id = ${userId})`.as('codes'),
        sql<number>`(select count(*)::int from passkeys where user_id = ${userId})`.as('passkeys'),
      ])
      .executeTakeFirstOrThrow();
    return { totp: row.totp, recoveryCodesLeft: Number(row.codes), passkeys: Number(row.passkeys) };
  }

  async findTotp(db: Executor, userId: string): Promise<TotpRecord | null> {
    const row = await db.selectFrom('mfa_totp').select(['secret_enc', 'pending_secret_enc', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
    return row ? { secretEnc: row.secret_enc, pendingSecretEnc: row.pending_secret_enc, lastStep: row.last_step === null ? null : Number(row.last_step) } : null;
  }

  /** a set-up awaiting confirmation; replaces an earlier unconfirmed one, leaves a confirmed secret alone */
  async setPendingTotp(db: Executor, userId: string, pendingSecretEnc: string, at: Date): Promise<void> {
    await db
      .insertInto('mfa_totp')
      .values({ user_id: userId, secret_enc: null, pending_secret_enc: pendingSecretEnc, last_step: null, enabled_at: null, updated_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_secret_enc: pendingSecretEnc, updated_at: at }))
      .execute();
  }

  /**
   * The pending secret becomes the secret, its confirming step the last used one — only if the
   * pending secret is still the one that was checked (a concurrent set-up replaced nothing).
   */
  async confirmTotp(tx: Executor, userId: string, pendingSecretEnc: string, step: number, at: Date): Promise<boolean> {
    const result = await tx
      .updateTable('mfa_totp')
      .set({ secret_enc: pendingSecretEnc, pending_secret_enc: null, last_step: step, enabled_at: at, updated_at: at })
      .where('user_id', '=', userId)
      .where('pending_secret_enc', '=', pendingSecretEnc)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Records `step` as used, only when it is after the last accepted one: of two requests with
   * the same code, one wins (a replay is refused even when it races the original).
   */
  async acceptTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
    const result = await db
      .updateTable('mfa_totp')
      .set({ last_step: step })
      .where('user_id', '=', userId)
      .where('secret_enc', 'is not', null)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', String(step))]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteTotp(tx: Executor, userId: string): Promise<boolean> {
    const result = await tx.deleteFrom('mfa_totp').where('user_id', '=', userId).where('secret_enc', 'is not', null).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** replaces the user's recovery codes with these hashes (an empty list voids them) */
  async replaceRecoveryCodes(tx: Executor, userId: string, hashes: readonly string[], at: Date): Promise<void> {
    await tx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    if (hashes.length > 0) await tx.insertInto('mfa_recovery_codes').values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: at }))).execute();
  }

  /** spends a recovery code: true when it existed (and now no longer does) */
  async useRecoveryCode(db: Executor, userId: string, hash: string): Promise<boolean> {
    const result = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).where('code_hash', '=', hash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listPasskeys(db: Executor, userId: string): Promise<PasskeyRecord[]> {
    const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    return rows.map(toPasskey);
  }

  async findPasskeyByCredentialId(db: Executor, credentialId: string): Promise<PasskeyRecord | null> {
    const row = await db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
    return row ? toPasskey(row) : null;
  }

  /** false when the credential is registered already (to anyone) */
  async insertPasskey(tx: Executor, p: Omit<PasskeyRecord, 'lastUsedAt'>): Promise<boolean> {
    const rows = await tx
      .insertInto('passkeys')
      .values({
        id: p.id,
        user_id: p.userId,
        credential_id: p.credentialId,
        public_key: Buffer.from(p.publicKey).toString('base64url'),
        counter: p.counter,
        transports: p.transports,
        name: p.name,
        created_at: p.createdAt,
        last_used_at: null,
      })
      .onConflict((oc) => oc.column('credential_id').doNothing())
      .returning('id')
      .execute();
    return rows.length > 0;
  }

  /**
   * Records a use: the new signature counter, unless another use stored a later one first (a
   * counter that does not grow is a cloned authenticator's sign; 0 means the authenticator keeps none).
   */
  async recordPasskeyUse(db: Executor, id: string, counter: number, expected: number, at: Date): Promise<boolean> {
    const result = await db
      .updateTable('passkeys')
      .set({ counter, last_used_at: at })
      .where('id', '=', id)
      .where(sql<boolean>`counter = ${expected}`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deletePasskey(tx: Executor, userId: string, id: string): Promise<boolean> {
    const result = await tx.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** every factor and recovery code of the user (admin reset) */
  async deleteAll(tx: Executor, userId: string): Promise<{ totp: number; passkeys: number; codes: number }> {
    const totp = await tx.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst();
    const passkeys = await tx.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
    const codes = await tx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
    return { totp: Number(totp.numDeletedRows), passkeys: Number(passkeys.numDeletedRows), codes: Number(codes.numDeletedRows) };
  }

  /** every sealed TOTP secret, confirmed or pending (`secrets rekey`) */
  async listSealedTotp(db: Executor): Promise<{ userId: string; secretEnc: string | null; pendingSecretEnc: string | null }[]> {
    const rows = await db
      .selectFrom('mfa_totp')
      .select(['user_id', 'secret_enc', 'pending_secret_enc'])
      .where((eb) => eb.or([eb('secret_enc', 'is not', null), eb('pending_secret_enc', 'is not', null)]))
      .execute();
    return rows.map((r) => ({ userId: r.user_id, secretEnc: r.secret_enc, pendingSecretEnc: r.pending_secret_enc }));
  }

  /** replaces one sealed column if it still holds `from` (true when replaced); the secret itself is unchanged */
  async replaceSealedTotp(db: Executor, userId: string, column: 'secret_enc' | 'pending_secret_enc', from: string, to: string): Promise<boolean> {
    const result = await db.updateTable('mfa_totp').set({ [column]: to }).where('user_id', '=', userId).where(column, '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
