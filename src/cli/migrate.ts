/** `gatehouse migrate`: apply the migrations and exit (they also run at every start). */
import type { Config } from '../config/load-config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { legacySeal } from '../audit/audit-chain.js';
import { resolveSecretsKey } from '../security/secret-box.js';
import { auditChainKey } from '../services.js';

export async function migrate(config: Config): Promise<number> {
  const chainKey = auditChainKey(resolveSecretsKey(config.secretsKey, config.dataDir).key);
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, prepare: config.databasePrepare });
  try {
    const applied = await migrateToLatest(handle.db, { sealAuditChain: (seq, hash) => legacySeal(chainKey, seq, hash) });
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  } finally {
    await handle.close();
  }
}
