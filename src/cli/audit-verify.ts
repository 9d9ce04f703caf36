/**
 * `gatehouse audit verify`: exit 0 when the chain is intact, 1 at the first broken link (SPEC §10),
 * 2 when it could not be checked at all (database unreachable, not migrated, no key) — so a script
 * can tell tampering from an outage. Needs the database and the key the links are made with
 * (SECRETS_KEY, or DATA_DIR/secrets.key on the embedded default); no signing keys, no Redis.
 */
import { AuditRepository } from '../audit/audit-repository.js';
import { AuditService } from '../audit/audit-service.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { resolveSecretsKey } from '../security/secret-box.js';
import { auditChainKey } from '../services.js';

export async function auditVerify(config: Config): Promise<number> {
  let database: DatabaseHandle | null = null;
  try {
    const { key } = resolveSecretsKey(config.secretsKey, config.dataDir, { create: false });
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1, prepare: config.databasePrepare });
    const result = await new AuditService(database.db, new AuditRepository(), systemClock, auditChainKey(key)).verify();
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} events verified.`);
      return 0;
    }
    console.error(`Audit chain BROKEN at event seq=${result.brokenAt.seq} id=${result.brokenAt.id}: ${result.brokenAt.reason}. ${result.checked} events before it verified.`);
    return 1;
  } catch (error) {
    console.error(`Could not verify the audit chain: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await database?.close();
  }
}
