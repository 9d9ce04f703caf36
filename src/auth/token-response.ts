/**
 * The token response (docs/api.md) and its refresh cookie: one shape for every route that signs
 * someone in (password, second step, passkey) or renews a session.
 */
import type { FastifyReply } from 'fastify';
import { toUserView } from '../users/users-schemas.js';
import type { TokenGrant } from './auth-service.js';
import type { RefreshCookie } from './refresh-cookie.js';

export function sendGrant(reply: FastifyReply, cookie: RefreshCookie, grant: TokenGrant, status = 200) {
  cookie.set(reply, grant.refreshToken, grant.refreshExpiresAt, grant.refreshIssuedAt);
  return reply.status(status).send({
    access_token: grant.accessToken,
    token_type: 'Bearer' as const,
    expires_in: grant.expiresIn,
    refresh_token: grant.refreshToken,
    user: toUserView(grant.user),
  });
}
