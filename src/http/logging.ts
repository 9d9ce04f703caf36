/**
 * Logging: JSON lines on stdout, one access line per request, and secrets never in them (docs/security.md).
 *
 * - Everything but the access line goes through pino, which redacts Authorization and Cookie
 *   headers, Set-Cookie, and any password/token/code field.
 * - The access line is written by hand, in pino's format: its fields are fixed and safe by
 *   construction (our own request id, the method, the URL with the values of secret-bearing query
 *   parameters — the emailed links' `token`, `code` — blanked, status, time, client IP), so it
 *   skips the redaction pass, which alone cost more than 10 % of a GET /me.
 * - Lines are collected in memory and written in blocks (16 KiB, or every 100 ms) through
 *   sonic-boom, asynchronously, instead of one write() per line: a synchronous write per request
 *   cost as much again, and blocked the event loop outright whenever the reader of stdout (a pipe
 *   to a log shipper) fell behind. What is buffered is written synchronously on exit, so a crash
 *   loses at most what an asynchronous logger cannot know about.
 */
import { hostname } from 'node:os';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { pino } from 'pino';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = Parameters<FastifyBaseLogger['child']>[1];

const SECRET_QUERY = /([?&](?:token|code|refresh_token|access_token|password|state)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY, '$1[REDACTED]') : url;
}

const BLOCK_CHARS = 16_384;
const LOG_FLUSH_MS = 100;

/** lines joined into blocks before they reach the (asynchronous) stdout writer */
class LineBuffer {
  #parts: string[] = [];
  #chars = 0;

  constructor(private readonly out: { write(s: string): unknown; flushSync(): void }) {
    setInterval(() => this.flush(), LOG_FLUSH_MS).unref();
    // before sonic-boom's own exit handler, which then writes what is pending synchronously
    process.on('exit', () => {
      this.flush();
      try {
        this.out.flushSync();
      } catch {
        // stdout gone (EPIPE): nothing left to tell
      }
    });
  }

  write(line: string): void {
    this.#parts.push(line);
    this.#chars += line.length;
    if (this.#chars >= BLOCK_CHARS) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    const block = this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    this.out.write(block);
  }
}

export interface AccessLine {
  requestId: string;
  method: string;
  url: string;
  status: number;
  ms: number;
  ip: string;
}

export interface Logging {
  logger: FastifyBaseLogger;
  /** writes one line per finished request; null below LOG_LEVEL=info (no hook is then needed) */
  access: ((line: AccessLine) => void) | null;
}

/**
 * The process's logging: to stdout through a buffer (see the header), or to `to` (tests capture
 * the lines), or nowhere (`false`).
 */
export function createLogging(level: string, to?: { write(line: string): unknown } | false): Logging {
  if (to === false) return { logger: pino({ level: 'silent' }), access: null };
  const destination: { write(line: string): unknown } = to ?? new LineBuffer(pino.destination({ dest: 1, sync: false }));
  const logger = pino(logOptions(level) as pino.LoggerOptions, destination as pino.DestinationStream);
  if (!logger.isLevelEnabled('info')) return { logger, access: null };
  // pino's own fields, in its order, for lines that look like every other line
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  return {
    logger,
    access(l) {
      destination.write(
        `{"level":30,"time":${Date.now()}${base},"request_id":${JSON.stringify(l.requestId)},"method":${JSON.stringify(l.method)},` +
          `"url":${JSON.stringify(redactUrl(l.url))},"status":${l.status},"ms":${l.ms},"ip":${JSON.stringify(l.ip)},"msg":"request"}\n`,
      );
    },
  };
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

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = [unknown, ...unknown[]];

/**
 * The per-request logger, created only when a request actually logs. Fastify makes a pino child
 * (request id bound, bindings serialised through the redaction) for every request, which cost
 * about 5 % of a /me request at LOG_LEVEL=warn where nothing is written.
 */
class LazyChildLogger {
  #child: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(value: string) {
    this.#real().level = value;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  #log(level: Level, args: LogArgs): void {
    // pino's loggers answer isLevelEnabled; any other logger gets every call
    const enabled = (this.parent as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
    if (this.#child || enabled) (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#log('error', args);
  }
  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }
  info(...args: LogArgs): void {
    this.#log('info', args);
  }
  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function lazyChildLogger(logger, bindings, options) {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
};
