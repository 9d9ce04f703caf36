/** The session as the API shows it (docs/api.md GET /sessions), and the whitelist that builds it. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { SessionRecord } from './sessions-service.js';

export const SessionSchema = Type.Object(
  {
    id: Uuid,
    created_at: Timestamp,
    last_used_at: Timestamp,
    expires_at: Timestamp,
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    device: Type.Object({ browser: Nullable(Type.String()), os: Nullable(Type.String()), type: Nullable(Type.String()) }),
    location: Nullable(Type.Object({ country: Nullable(Type.String()), city: Nullable(Type.String()) })),
    current: Type.Boolean(),
  },
  {},
);

export const SessionList = Type.Object({ items: Type.Array(SessionSchema) });

/** `currentId`: the caller's own session, marked `current` (null when an admin looks) */
export function toSessionView(s: SessionRecord, currentId: string | null): Static<typeof SessionSchema> {
  return {
    id: s.id,
    created_at: s.createdAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    device: s.device,
    location: s.location,
    current: s.id === currentId,
  };
}
