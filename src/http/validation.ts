/**
 * Request validation. Bodies are strict: no type coercion and no silently dropped fields (an
 * unknown field is a 400, so a `roles` smuggled into PATCH /me is refused). Query strings and path
 * parameters are text on the wire, so they are coerced (`limit=20` -> 20) by a second validator.
 * Ajv errors become docs/api.md's `errors: [{ field, message }]` with dotted field names.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { UUID_PATTERN } from '../db/uuid.js';
import { commonErrors } from '../errors.js';

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
  // ajv-formats' uuid also accepts a `urn:uuid:` prefix, which PostgreSQL's uuid type refuses
  ajv.addFormat('uuid', UUID_PATTERN);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  const querystring = httpPart === 'querystring';
  return beforeSchema(ajv.compile(schema as object) as ValidateFunction, (data) => {
    if (querystring) dropBlankParameters(data);
    return refuseNul(data);
  });
};

/**
 * Runs `check` on the raw value first: an error list refuses it, null hands it to the schema.
 * The wrapper keeps what Fastify looks for on an ajv function (`errors`, and `schemaEnv`, without
 * which it would not pass the parent object that lets ajv coerce a root value).
 */
function beforeSchema(validate: ValidateFunction, check: (data: unknown) => ErrorObject[] | null): ValidateFunction {
  const wrapped = function validateRequestPart(this: unknown, data: unknown, ctx?: unknown): boolean {
    const refused = check(data);
    if (refused) {
      wrapped.errors = refused;
      return false;
    }
    const ok = (validate as (this: unknown, d: unknown, c?: unknown) => boolean).call(this, data, ctx);
    wrapped.errors = validate.errors;
    return ok;
  } as ValidateFunction;
  Object.assign(wrapped, { schema: validate.schema, schemaEnv: validate.schemaEnv });
  return wrapped;
}

/** `?q=&role=&limit=` means "no filter": an empty query parameter is treated as absent */
function dropBlankParameters(data: unknown): void {
  if (typeof data !== 'object' || data === null) return;
  const query = data as Record<string, unknown>;
  for (const key of Object.keys(query)) if (query[key] === '') delete query[key];
}

/**
 * PostgreSQL text cannot hold U+0000: a string carrying it would pass the schema and fail in the
 * database with a 500. Every validated part (body, query, params) is refused with a 400 naming
 * the field instead.
 */
function refuseNul(data: unknown): ErrorObject[] | null {
  const at = nulAt(data, '');
  return at === null ? null : [{ instancePath: at, schemaPath: '#', keyword: 'nul', params: {}, message: 'must not contain the NUL character (U+0000)' }];
}

/**
 * JSON pointer of the first string (or key) containing U+0000, or null. Walks with its own stack,
 * not recursion: a body of a few kilobytes can nest thousands of levels deep (`[[[[…]]]]`), which
 * would overflow the call stack (a 500) before the schema could refuse it.
 */
function nulAt(root: unknown, rootPath: string): string | null {
  interface Node {
    value: unknown;
    key: string;
    parent: Node | null;
  }
  // the path is only spelled out for the offending node: building it for every node would cost
  // memory quadratic in the depth
  const pathOf = (node: Node): string => {
    const keys: string[] = [];
    for (let n: Node | null = node; n !== null && n.parent !== null; n = n.parent) keys.push(n.key.replace(/~/g, '~0').replace(/\//g, '~1'));
    return rootPath + keys.reverse().map((k) => `/${k}`).join('');
  };
  const pending: Node[] = [{ value: root, key: '', parent: null }];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const { value } = node;
    if (node.key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) return pathOf(node);
    if (typeof value !== 'object' || value === null) continue;
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value);
    // pushed last-first, so fields are examined in document order
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i]![1], key: entries[i]![0], parent: node });
  }
  return null;
}

export function fieldErrors(errors: ErrorObject[], part: string | undefined): { field: string; message: string }[] {
  const entries = errors.map((e) => {
    const path = e.instancePath.split('/').filter(Boolean).map(decodePointer);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path.push(String((e.params as { missingProperty: string }).missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path.push(String((e.params as { additionalProperty: string }).additionalProperty));
      message = 'is not allowed';
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') message = 'has an invalid value';
    const summary = e.keyword === 'anyOf' || e.keyword === 'oneOf';
    const branch = /\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath);
    return { path, field: path.length > 0 ? path.join('.') : part === 'body' ? '(body)' : `(${part ?? 'request'})`, message, summary, branch, typeMismatch: e.keyword === 'type' };
  });
  // A union (`T | null`, number | string) that fails reports every branch and a summary. Keep
  // what the caller can act on: the deepest field's complaint, and for one field the branch of
  // the value's own type (not "must be number" for a string) before the summary.
  const deepest = Math.max(...entries.map((e) => e.path.length));
  const kept = entries.filter((e, _, all) => {
    if (!e.summary && !e.branch) return true;
    if (e.path.length < deepest && all.some((o) => o.path.length > e.path.length && !o.summary)) return false;
    const sameField = all.filter((o) => o !== e && o.field === e.field && !o.summary);
    if (e.summary) return sameField.length === 0;
    if (e.typeMismatch) return !sameField.some((o) => !o.typeMismatch);
    return true;
  });
  const seen = new Set<string>();
  const out: { field: string; message: string }[] = [];
  for (const { field, message } of kept) {
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

const compiledBodies = new WeakMap<object, ValidateFunction>();

/**
 * Checks a value against a route's body schema outside Fastify's own validation: the pages take
 * HTML forms and apply the API's schemas to them (the same rule, not a second copy), answering
 * `400 validation_error` with the same field list.
 */
export function checkBody<T>(schema: object, data: unknown): T {
  let validate = compiledBodies.get(schema);
  if (!validate) compiledBodies.set(schema, (validate = beforeSchema(bodyAjv.compile(schema) as ValidateFunction, refuseNul)));
  if (!validate(data)) throw commonErrors.validation(fieldErrors(validate.errors ?? [], 'body'));
  return data as T;
}
