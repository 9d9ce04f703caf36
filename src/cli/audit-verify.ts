import { createServices } from '../app.js';
import type { Config } from '../config/load-config.js';

export async function auditVerify(config: Config): Promise<number> {
  const services = await createServices(config);
  try {
    const result = await services.audit.verify();
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} events verified.`);
      return 0;
    }
    console.error(`Audit chain BROKEN at event seq=${result.brokenAt.seq} id=${result.brokenAt.id}: ${result.brokenAt.reason}. ${result.checked} events before it verified.`);
    return 1;
  } finally {
    await services.close();
  }
}
