/** RFC 9457 problem details: the one shape of every API error (docs/api.md). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  errors?: { field: string; message: string }[];
  request_id?: string;
}

export function problem(status: number, code: string, title: string, extra: Partial<Problem> = {}): Problem {
  return { type: `/problems/${code}`, title, status, code, ...extra };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** docs/security.md headers every response carries, including the ones written before Fastify routes a request */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
export const HSTS = 'max-age=31536000; includeSubDomains';

/** what an API response written outside the onSend hook carries: the base set, CSP and, for an https PUBLIC_URL, HSTS */
export function preRouteHeaders(hsts: boolean): Record<string, string> {
  return { ...BASE_SECURITY_HEADERS, 'content-security-policy': API_CSP, ...(hsts ? { 'strict-transport-security': HSTS } : {}) };
}

/** a problem+json HTTP/1.1 response written straight to a socket (errors before Fastify runs) */
export function rawProblemResponse(status: number, reason: string, code: string, title: string, extra: Partial<Problem>, headers: Record<string, string>): string {
  const body = JSON.stringify(problem(status, code, title, extra));
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    'Connection: close\r\n\r\n' +
    body
  );
}
