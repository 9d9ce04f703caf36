/** The query parameters of every paginated list (docs/api.md); the paging itself is src/db/keyset.ts. */
import { Type } from '@sinclair/typebox';

export const DEFAULT_PAGE_LIMIT = 20;

export const PageQuery = {
  // optional (the OpenAPI document must not call it required); validation fills in the default
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_LIMIT })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};
