import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { problem } from './problem.js';

/**
 * `T | null`. For primitive schemas this is `type: [T, "null"]` rather than `anyOf`: the response
 * serializer handles a type list directly, while `anyOf` makes it validate every value at run time
 * (measured as a large share of GET /me's cost).
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const type = (schema as { type?: unknown }).type;
  if (typeof type === 'string' && type !== 'object' && type !== 'array') {
    return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
  }
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
}

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** response entries for the error statuses a route can answer, for the OpenAPI document */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: problemDescriptions[s] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } }]),
  );
}

const problemDescriptions: Record<number, string> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'weak_password',
  423: 'account_locked',
  429: 'rate_limited',
  503: 'server_busy',
};

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** keeps `problem` reachable for callers that build bodies by hand */
export { problem };
