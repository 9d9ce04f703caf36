/**
 * The one place errors become responses: DomainError -> its status and code; Fastify's own
 * client errors (bad JSON, body too large, bad URL, wrong media type) -> the matching code; a
 * validation failure -> 400 validation_error with the field list; anything else -> 500 with
 * nothing but a request id (the cause is logged, never sent). A browser asking for a page (not
 * under /api/, `Accept` naming text/html) gets the same status as an HTML page instead of
 * problem+json, rendered by the pages feature (`htmlPage`).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, DomainError } from '../errors.js';
import { isConnectionFailure } from '../db/sql-errors.js';
import { isApiRequest } from './api-request.js';
import { fieldErrors } from './validation.js';
import { problem, PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';

function fromFastifyError(error: FastifyError): Problem | null {
  if (error.validation) {
    return problem(400, 'validation_error', 'Validation failed', {
      detail: 'The request is invalid.',
      errors: fieldErrors(error.validation as Parameters<typeof fieldErrors>[0], error.validationContext),
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'payload_too_large', 'Payload too large', { detail: 'The request body is larger than the server accepts.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(400, 'validation_error', 'Validation failed', {
        detail: 'Send the body as application/json.',
        errors: [{ field: '(body)', message: 'unsupported content type' }],
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'validation_error', 'Validation failed', { detail: 'The JSON body is empty.', errors: [{ field: '(body)', message: 'is required' }] });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'validation_error', 'Validation failed', { detail: 'The body is not valid JSON.', errors: [{ field: '(body)', message: 'is not valid JSON' }] });
  }
  const status = error.statusCode ?? 500;
  if (status === 404) return problem(404, 'not_found', 'Not Found', { detail: 'Not found.' });
  if (status === 413) return problem(413, 'payload_too_large', 'Payload too large');
  if (status === 429) return problem(429, 'rate_limited', 'Too Many Requests');
  if (status >= 400 && status < 500) {
    // malformed JSON arrives as a SyntaxError with status 400; bad URLs as FST_ERR_BAD_URL
    return problem(400, 'validation_error', 'Validation failed', { detail: 'The request is malformed.', errors: [{ field: '(request)', message: 'is malformed' }] });
  }
  return null;
}


function problemOf(error: DomainError): Problem {
  return problem(error.status, error.code, error.title, { ...(error.detail ? { detail: error.detail } : {}), ...(error.errors ? { errors: error.errors } : {}) });
}

/** what an HTML error page shows: never more than the problem body would */
export interface ErrorPage {
  status: number;
  title: string;
  detail: string | null;
  requestId: string | null;
}

export type HtmlErrorPage = (page: ErrorPage, request: FastifyRequest) => string;

/** a browser navigation or form post (not an API call, not a script asking for JSON) */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html') && !isApiRequest(request);
}

export function registerErrorHandling(app: FastifyInstance, options: { htmlPage?: HtmlErrorPage } = {}): void {
  const { htmlPage } = options;
  const sendHtml = (request: FastifyRequest, reply: FastifyReply, body: Problem) => {
    const page = htmlPage!({ status: body.status, title: body.title, detail: body.detail ?? null, requestId: body.status >= 500 ? request.id : null }, request);
    return reply.status(body.status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  };
  app.setErrorHandler(async function handleError(error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) {
    let body: Problem;
    if (error instanceof DomainError) {
      body = problemOf(error);
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      if (error.logged) request.log.error({ err: error.cause ?? error }, 'server error');
    } else {
      const mapped = fromFastifyError(error);
      if (mapped) body = mapped;
      else if (isConnectionFailure(error)) {
        request.log.error({ err: error }, 'dependency unavailable');
        const e = commonErrors.unavailable('database');
        for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
        body = problem(503, e.code, e.title, { detail: e.detail! });
      }
      else {
        request.log.error({ err: error }, 'unhandled error');
        body = problem(500, 'internal_error', 'Internal Server Error', { detail: 'Something went wrong on our side.' });
      }
    }
    if (body.status >= 500) body.request_id = request.id;
    if (htmlPage && wantsHtml(request)) return sendHtml(request, reply, body);
    return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
  });

  app.setNotFoundHandler(async function notFound(request, reply) {
    // a CORS preflight this server does not allow (an origin outside CORS_ORIGINS, or none listed)
    // is answered, without CORS headers, so the browser refuses the call itself
    if (request.method === 'OPTIONS') return reply.status(204).send();
    if (htmlPage && wantsHtml(request)) return sendHtml(request, reply, problem(404, 'not_found', 'Page not found', { detail: 'There is no page at this address.' }));
    return reply
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(404, 'not_found', 'Not Found', { detail: `No route for ${request.method} ${request.url.split('?')[0]}.` }));
  });
}

/**
 * A refusal sent at a high rate (load shedding): the problem body is serialised once and no
 * error object is created per request, so refusing costs the event loop as little as possible.
 */
export function preparedProblem(error: DomainError): (reply: FastifyReply) => FastifyReply {
  const body = JSON.stringify(problemOf(error));
  return (reply) => reply.status(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * Fastify's `frameworkErrors`: a path that cannot be decoded or whose parameter exceeds the
 * router's limit is refused before routing, so no hook runs; the answer is still problem+json
 * with the security headers.
 */
export function frameworkErrorHandler(headers: Record<string, string>) {
  return function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
    const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The request path is malformed.';
    reply
      .status(400)
      .headers({ ...headers, 'cache-control': 'no-store' })
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(400, 'validation_error', 'Validation failed', { detail, errors: [{ field: '(path)', message: 'is malformed' }] }));
  };
}
