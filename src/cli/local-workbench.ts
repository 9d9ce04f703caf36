/**
 * What a command uses when the CLI process opens the database itself (PostgreSQL, or an embedded
 * DATA_DIR no server holds): the services, opened on first use and closed by `close()`.
 */
import { AuditRepository } from '../audit/audit-repository.js';
import { AuditService } from '../audit/audit-service.js';
import { systemClock } from '../clock.js';
import type { Workbench } from '../commands/command-io.js';
import type { Config } from '../config/load-config.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { resolveSecretsKey } from '../security/secret-box.js';
import { previousSecretsKey } from '../security/secrets-wiring.js';
import { auditChainKeys, createServices, migrateDatabase, type Services } from '../services.js';

export function localWorkbench(config: Config): Workbench & { close(): Promise<void> } {
  let services: Promise<Services> | null = null;
  let handle: DatabaseHandle | null = null;
  // the database alone, for the commands that need no more (no signing keys, no Redis)
  const database = async (poolMax: number) => {
    handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax, prepare: config.databasePrepare });
    return handle;
  };
  return {
    ctx: { actorId: null, ip: null, userAgent: 'gatehouse-cli' },
    services: () => (services ??= createServices(config)),
    async audit() {
      // never makes up a key: a chain cannot be checked with a key it was not written with
      const { key } = resolveSecretsKey(config.secretsKey, config.dataDir, { create: false });
      const { db } = await database(1);
      return new AuditService(db, new AuditRepository(), systemClock, auditChainKeys(key, previousSecretsKey(config)));
    },
    async migrate() {
      const { key } = resolveSecretsKey(config.secretsKey, config.dataDir);
      return migrateDatabase((await database(2)).db, key);
    },
    async close() {
      const opened = await services?.catch(() => null);
      await opened?.close();
      await (handle as DatabaseHandle | null)?.close();
    },
  };
}
