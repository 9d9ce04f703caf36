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
  /** keys still useful: active ones and retired ones retired after `retiredSince` */
  async listUsable(db: Executor, retiredSince: Date): Promise<SigningKeyRow[]> {
    const rows = await db
      .selectFrom('signing_keys')
      .selectAll()
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

  async lockForRotation(tx: Executor): Promise<void> {
    await sql`select pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
  }

  async countActive(tx: Executor, alg: string): Promise<number> {
    const row = await tx
      .selectFrom('signing_keys')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('retired_at', 'is', null)
      .where('alg', '=', alg)
      .executeTakeFirstOrThrow();
    return row.n;
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
      })
      .execute();
  }
}
