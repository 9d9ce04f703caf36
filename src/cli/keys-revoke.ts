/**
 * `gatehouse keys revoke <kid>` (SPEC §10), for a signing key that leaked: it leaves JWKS at once
 * and every instance refuses its tokens within a second (they hear it through Redis, and reload
 * their key set every second anyway). When it is the active key, a new one becomes active first.
 * Users signed in with tokens of that key sign in again or refresh (refresh tokens are not JWTs).
 */
import type { Config } from '../config/load-config.js';
import { createServices } from '../services.js';

export async function keysRevoke(config: Config, kid: string | undefined): Promise<number> {
  if (!kid) {
    console.error('keys revoke: name the key: gatehouse keys revoke <kid> (the kid of GET /.well-known/jwks.json)');
    return 2;
  }
  const services = await createServices(config);
  try {
    const { found, rotatedTo } = await services.keys.revoke(kid);
    if (!found) {
      console.error(`No signing key ${kid}.`);
      return 1;
    }
    console.log(`Signing key ${kid} revoked: gone from JWKS, its tokens refused.${rotatedTo ? ` It was the active key: ${rotatedTo} (${config.jwtAlg}) signs from now on.` : ''}`);
    return 0;
  } finally {
    await services.close();
  }
}
