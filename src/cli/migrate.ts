import type { Config } from '../config/load-config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export async function migrate(config: Config): Promise<number> {
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, prepare: config.databasePrepare });
  try {
    const applied = await migrateToLatest(handle.db);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  } finally {
    await handle.close();
  }
}
