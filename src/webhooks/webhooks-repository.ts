/** SQL of `webhook_endpoints` (the webhooks feature owns it). */
import type { Selectable } from 'kysely';
import type { Executor, WebhookEndpointsTable } from '../db/database-types.js';

export interface EndpointRecord {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

function toRecord(r: Selectable<WebhookEndpointsTable>): EndpointRecord {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    description: r.description,
    enabled: r.enabled,
    secretEnc: r.secret_enc,
    previousSecretEnc: r.previous_secret_enc,
    previousSecretExpiresAt: r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at) : null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export class WebhooksRepository {
  async insert(tx: Executor, e: EndpointRecord): Promise<void> {
    await tx
      .insertInto('webhook_endpoints')
      .values({
        id: e.id,
        url: e.url,
        events: e.events,
        description: e.description,
        enabled: e.enabled,
        secret_enc: e.secretEnc,
        previous_secret_enc: e.previousSecretEnc,
        previous_secret_expires_at: e.previousSecretExpiresAt,
        created_at: e.createdAt,
        updated_at: e.updatedAt,
      })
      .execute();
  }

  async list(db: Executor): Promise<EndpointRecord[]> {
    const rows = await db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toRecord);
  }

  /** `forUpdate`: holds the row until the transaction ends (a rotation racing a rotation) */
  async find(db: Executor, id: string, forUpdate = false): Promise<EndpointRecord | null> {
    let q = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async update(
    tx: Executor,
    id: string,
    patch: Partial<Pick<EndpointRecord, 'url' | 'events' | 'description' | 'enabled' | 'secretEnc' | 'previousSecretEnc' | 'previousSecretExpiresAt'>> & { updatedAt: Date },
  ): Promise<EndpointRecord | null> {
    const row = await tx
      .updateTable('webhook_endpoints')
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.events !== undefined ? { events: patch.events } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.secretEnc !== undefined ? { secret_enc: patch.secretEnc } : {}),
        ...(patch.previousSecretEnc !== undefined ? { previous_secret_enc: patch.previousSecretEnc } : {}),
        ...(patch.previousSecretExpiresAt !== undefined ? { previous_secret_expires_at: patch.previousSecretExpiresAt } : {}),
        updated_at: patch.updatedAt,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async delete(tx: Executor, id: string): Promise<boolean> {
    const r = await tx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** every sealed secret, current and previous (secrets rekey) */
  async listSealedSecrets(db: Executor): Promise<{ id: string; secretEnc: string; previousSecretEnc: string | null }[]> {
    const rows = await db.selectFrom('webhook_endpoints').select(['id', 'secret_enc', 'previous_secret_enc']).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, secretEnc: r.secret_enc, previousSecretEnc: r.previous_secret_enc }));
  }

  /** replaces the sealed secrets if they are still `from` (true when replaced); the secrets themselves are unchanged */
  async replaceSealedSecrets(db: Executor, id: string, from: { secretEnc: string; previousSecretEnc: string | null }, to: { secretEnc: string; previousSecretEnc: string | null }): Promise<boolean> {
    let q = db.updateTable('webhook_endpoints').set({ secret_enc: to.secretEnc, previous_secret_enc: to.previousSecretEnc }).where('id', '=', id).where('secret_enc', '=', from.secretEnc);
    q = from.previousSecretEnc === null ? q.where('previous_secret_enc', 'is', null) : q.where('previous_secret_enc', '=', from.previousSecretEnc);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
