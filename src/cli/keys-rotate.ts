import { createServices } from '../services.js';
import type { Config } from '../config/load-config.js';

export async function keysRotate(config: Config): Promise<number> {
  const services = await createServices(config);
  try {
    const kid = await services.keys.rotate();
    console.log(`New signing key ${kid} (${config.jwtAlg}) is active. Previous keys stay published for ${config.accessTokenTtl} s plus a margin, until the tokens they signed have expired.`);
    return 0;
  } finally {
    await services.close();
  }
}
