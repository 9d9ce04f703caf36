/** RFC 9457 problem details: the one shape of every API error (SPEC §2, §9). */
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

/** a problem+json HTTP/1.1 response written straight to a socket (errors before Fastify runs) */
export function rawProblemResponse(status: number, reason: string, code: string, title: string, detail: string): string {
  const body = JSON.stringify(problem(status, code, title, { detail }));
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'X-Content-Type-Options: nosniff\r\n' +
    'Connection: close\r\n\r\n' +
    body
  );
}
