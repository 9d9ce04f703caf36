/**
 * The authenticated caller of a request, as the access-token check establishes it (auth-service
 * `authenticate`): the token verified, its session live, the user enabled, and the permissions of
 * the user's *current* roles (docs/api.md: the token's `roles` claim is informational). Routes of any
 * feature read it through the route guard (src/http/route-guard.ts).
 */
export interface Principal {
  userId: string;
  sessionId: string;
  /** the user's current roles (not the token's claim) */
  roles: readonly string[];
  /** the union of those roles' permissions */
  permissions: ReadonlySet<string>;
  /** the access token's own claims (`amr`: how its session was signed in, RFC 8176) */
  token: { jti: string; iat: number; exp: number; amr?: readonly string[] };
}
