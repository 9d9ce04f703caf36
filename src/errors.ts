/**
 * Domain errors: what went wrong, in terms of the product, with a stable snake_case `code` that is
 * API contract (docs/api.md). No HTTP imports here; src/http/error-handler.ts maps them to RFC 9457
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

/**
 * docs/api.md: every code the API answers, with its HTTP status. Codes are contract: a rename is a
 * breaking change. A DomainError can only carry one of these, and its status comes from here.
 */
export const ERROR_STATUS = {
  validation_error: 400,
  invalid_code: 400,
  code_expired: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  forbidden: 403,
  account_disabled: 403,
  email_not_verified: 403,
  invalid_password: 403,
  registration_closed: 403,
  not_found: 404,
  email_taken: 409,
  username_taken: 409,
  role_exists: 409,
  role_in_use: 409,
  role_protected: 409,
  permission_exists: 409,
  permission_in_use: 409,
  permission_protected: 409,
  last_admin: 409,
  last_login_method: 409,
  mfa_not_enabled: 409,
  payload_too_large: 413,
  weak_password: 422,
  account_locked: 423,
  rate_limited: 429,
  too_many_attempts: 429,
  internal_error: 500,
  server_busy: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly errors: { field: string; message: string }[] | undefined;
  readonly logged: boolean;

  constructor(
    readonly code: ErrorCode,
    readonly title: string,
    options: DomainErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = 'DomainError';
    this.status = ERROR_STATUS[code];
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
    this.logged = options.logged ?? this.status >= 500;
  }

  get expose(): boolean {
    return this.status < 500;
  }
}

/** errors every feature may raise */
export const commonErrors = {
  validation: (errors: { field: string; message: string }[], detail = 'The request is invalid.') =>
    new DomainError('validation_error', 'Validation failed', { detail, errors }),
  unauthorized: (detail = 'A valid access token is required.') =>
    new DomainError('unauthorized', 'Unauthorized', { detail, headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail = 'You are not allowed to do this.') => new DomainError('forbidden', 'Forbidden', { detail }),
  notFound: (detail = 'Not found.') => new DomainError('not_found', 'Not Found', { detail }),
  rateLimited: (retryAfterSeconds: number) =>
    new DomainError('rate_limited', 'Too Many Requests', {
      detail: `Too many requests; retry in ${retryAfterSeconds} s.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  /** a dependency (database, Redis) is unreachable: fail closed, tell the client to retry */
  unavailable: (what: string, cause?: unknown) =>
    new DomainError('server_busy', 'Service Unavailable', {
      detail: `A backing service (${what}) is unavailable; retry shortly.`,
      headers: { 'retry-after': '2' },
      cause,
    }),
  serverBusy: (retryAfterSeconds = 1) =>
    new DomainError('server_busy', 'Server Busy', {
      detail: 'The server is busy; retry shortly.',
      headers: { 'retry-after': String(retryAfterSeconds) },
      // a sign-in storm answers thousands of these a second: one log line each would be an
      // outage of its own (the hasher's load is the signal to watch)
      logged: false,
    }),
};
