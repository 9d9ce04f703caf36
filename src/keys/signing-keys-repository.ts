import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateKeyEnc: string;
  createdAt: Date;
  retiredAt: Date | null;
}

const ROTATION_LOCK = 7_262_001; // pg_advisory_xact_lock id serialising key creation

export class SigningKeysRepository {
  /** keys still useful: not revoked, and active or retired after `retiredSince` */
  async listUsable(db: Executor, retiredSince: Date): Promise<SigningKeyRow[]> {
    const rows = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredSince)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateKeyEnc: r.private_key_enc,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  /** every key, newest first (`keys list`) */
  async listAll(db: Executor): Promise<{ kid: string; alg: string; createdAt: Date; retiredAt: Date | null; revokedAt: Date | null }[]> {
    const rows = await db.selectFrom('signing_keys').select(['kid', 'alg', 'created_at', 'retired_at', 'revoked_at']).orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, createdAt: r.created_at, retiredAt: r.retired_at, revokedAt: r.revoked_at }));
  }

  /** every key's sealed private part */
  async listSealed(db: Executor): Promise<{ kid: string; privateKeyEnc: string }[]> {
    const rows = await db.selectFrom('signing_keys').select(['kid', 'private_key_enc']).orderBy('created_at', 'asc').execute();
    return rows.map((r) => ({ kid: r.kid, privateKeyEnc: r.private_key_enc }));
  }

  /** replaces a sealed private part if it is still `from` (true when replaced) */
  async replaceSealed(db: Executor, kid: string, from: string, to: string): Promise<boolean> {
    const result = await db.updateTable('signing_keys').set({ private_key_enc: to }).where('kid', '=', kid).where('private_key_enc', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async lockForRotation(tx: Executor): Promise<void> {
    await sql`select pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
  }

  /** the newest active key's algorithm, or null when no key is active */
  async activeAlg(tx: Executor): Promise<string | null> {
    const row = await tx.selectFrom('signing_keys').select('alg').where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
    return row?.alg ?? null;
  }

  async find(tx: Executor, kid: string): Promise<{ retiredAt: Date | null; revokedAt: Date | null } | null> {
    const row = await tx.selectFrom('signing_keys').select(['retired_at', 'revoked_at']).where('kid', '=', kid).executeTakeFirst();
    return row ? { retiredAt: row.retired_at, revokedAt: row.revoked_at } : null;
  }

  /** takes a key out of use and out of JWKS for good */
  async revoke(tx: Executor, kid: string, at: Date): Promise<void> {
    await tx
      .updateTable('signing_keys')
      .set({ revoked_at: at, retired_at: sql<Date>`coalesce(retired_at, ${at}::timestamptz)` })
      .where('kid', '=', kid)
      .execute();
  }

  async retireActive(tx: Executor, at: Date): Promise<void> {
    await tx.updateTable('signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).execute();
  }

  async insert(tx: Executor, key: Omit<SigningKeyRow, 'retiredAt'>): Promise<void> {
    await tx
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        public_jwk: JSON.stringify(key.publicJwk),
        private_key_enc: key.privateKeyEnc,
        created_at: key.createdAt,
        retired_at: null,
        revoked_at: null,
      })
      .execute();
  }
}
