/**
 * Domain errors: what went wrong, in terms of the product, with a stable snake_case `code` that is
 * API contract (SPEC §9). No HTTP imports here; src/http/error-handler.ts maps them to RFC 9457
 * problem+json once. `expose` is false for 5xx: their detail goes to the log, never the client.
 */
export interface DomainErrorOptions {
  detail?: string;
  cause?: unknown;
  /** extra response headers, e.g. Retry-After */
  headers?: Record<string, string>;
  /** validation errors: field list */
  errors?: { field: string; message: string }[];
  /** write it to the error log (default: for 5xx); load shedding is expected, not an incident */
  logged?: boolean;
}

export class DomainError extends Error {
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly errors: { field: string; message: string }[] | undefined;
  readonly logged: boolean;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: DomainErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = 'DomainError';
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
    this.logged = options.logged ?? status >= 500;
  }

  get expose(): boolean {
    return this.status < 500;
  }
}

/** errors every feature may raise */
export const commonErrors = {
  validation: (errors: { field: string; message: string }[], detail = 'The request is invalid.') =>
    new DomainError('validation_error', 400, 'Validation failed', { detail, errors }),
  unauthorized: (detail = 'A valid access token is required.') =>
    new DomainError('unauthorized', 401, 'Unauthorized', { detail, headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail = 'You are not allowed to do this.') => new DomainError('forbidden', 403, 'Forbidden', { detail }),
  notFound: (detail = 'Not found.') => new DomainError('not_found', 404, 'Not Found', { detail }),
  rateLimited: (retryAfterSeconds: number) =>
    new DomainError('rate_limited', 429, 'Too Many Requests', {
      detail: `Too many requests; retry in ${retryAfterSeconds} s.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  /** a dependency (database, Redis) is unreachable: fail closed, tell the client to retry */
  unavailable: (what: string, cause?: unknown) =>
    new DomainError('server_busy', 503, 'Service Unavailable', {
      detail: `A backing service (${what}) is unavailable; retry shortly.`,
      headers: { 'retry-after': '2' },
      cause,
    }),
  serverBusy: (retryAfterSeconds = 1) =>
    new DomainError('server_busy', 503, 'Server Busy', {
      detail: 'The server is busy; retry shortly.',
      headers: { 'retry-after': String(retryAfterSeconds) },
      // a sign-in storm answers thousands of these a second: one log line each would be an
      // outage of its own (the hasher's load is the signal to watch)
      logged: false,
    }),
};
