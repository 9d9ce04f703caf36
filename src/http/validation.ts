/**
 * Request validation. Bodies are strict: no type coercion and no silently dropped fields (an
 * unknown field is a 400, so a `roles` smuggled into PATCH /me is refused). Query strings and path
 * parameters are text on the wire, so they are coerced (`limit=20` -> 20) by a second validator.
 * Ajv errors become SPEC §2's `errors: [{ field, message }]` with dotted field names.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ValidateFunction;
};

export function fieldErrors(errors: ErrorObject[], part: string | undefined): { field: string; message: string }[] {
  const seen = new Set<string>();
  const out: { field: string; message: string }[] = [];
  for (const e of errors) {
    const base = e.instancePath.split('/').filter(Boolean).map(decodePointer);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      base.push(String((e.params as { missingProperty: string }).missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      base.push(String((e.params as { additionalProperty: string }).additionalProperty));
      message = 'is not allowed';
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') message = 'has an invalid value';
    const field = base.length > 0 ? base.join('.') : part === 'body' ? '(body)' : `(${part ?? 'request'})`;
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
