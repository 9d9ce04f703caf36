/**
 * Log options: secrets never reach the logs (SPEC §8). Authorization and Cookie headers,
 * Set-Cookie, and any password/token/code field are redacted; query strings lose the values of
 * parameters that may carry a secret (the emailed links' `token`, `code`).
 */
import type { FastifyServerOptions } from 'fastify';

const SECRET_QUERY = /([?&](?:token|code|refresh_token|access_token|password|state)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

export function logOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.new_password',
        '*.current_password',
        '*.refresh_token',
        '*.access_token',
        '*.token',
        '*.code',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) {
        return { method: request.method, url: redactUrl(request.url), ip: request.ip, user_agent: request.headers?.['user-agent'] };
      },
    },
  };
}
