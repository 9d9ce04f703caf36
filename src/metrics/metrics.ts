/**
 * Prometheus metrics (docs/api.md Operations, GET /metrics) with prom-client, one Registry per app
 * (tests build several apps in one process; the global default registry is never used).
 *
 * The services know nothing of prom-client: they tell plain callbacks what happened — the sign-in
 * core hands every sign-in's outcome over as a typed value (`signIn`), the audit trail its committed
 * events (`recorded`: refresh reuse), the rate limiter its refusals — and the gauges are read at scrape time from the
 * sources handed to `watch` (live sessions: one COUNT, cached for a second; the outbox; the DB
 * pool; the hash queue). The request histogram is labelled by route template, never by raw URL,
 * so an id or an unknown path cannot grow the label set.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Attempt, SignInEvent } from '../sign-in/sign-in-methods.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** what the scrape-time gauges read */
export interface MetricSources {
  liveSessions(): Promise<number>;
  outbox(): Promise<{ pending: number; dead: number }>;
  pool(): { total: number; idle: number; waiting: number };
  hashQueue(): number;
  /** webhook deliveries waiting (pending, failed) and given up on (dead) */
  webhookQueue?(): Promise<{ pending: number; dead: number }>;
}

/** an audit event as AuditService reports it (structural: metrics sits above audit but needs no import) */
export interface RecordedEvent {
  type: string;
  data?: Record<string, unknown>;
}

/** the route label of a request no route matched (404s of any path share it) */
export const UNMATCHED_ROUTE = '(unmatched)';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const LIVE_SESSIONS_CACHE_MS = 1000;

/** the `method` label of a sign-in attempt: password, passkey, email, oauth:<provider>, mfa (the second step), reauthentication */
function methodLabel(attempt: Attempt): string {
  switch (attempt.kind) {
    case 'password':
    case 'passkey':
    case 'email':
    case 'reauthentication':
      return attempt.kind;
    case 'social':
      return `oauth:${attempt.provider}`;
    case 'second_step':
      return 'mfa';
  }
}

type RequestLabel = 'method' | 'route' | 'status';
const REQUEST_DURATION = 'gatehouse_http_request_duration_seconds';
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface RequestSeries {
  labels: Record<RequestLabel, string>;
  /** per bucket (not cumulative), the last one +Inf */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * The request histogram, counted without prom-client's per-observation label hashing (it costs
 * more than the rest of the observation, on the hot path of every request): a series is found by
 * three Map lookups on the request's own values (about 50 ns an observation instead of 650) and
 * exported in prom-client's format at scrape time.
 */
class RequestHistogram extends Histogram<RequestLabel> {
  // not a #private field: the base constructor calls reset() before this class's fields exist
  private readonly series: RequestSeries[] = [];
  private readonly byRoute = new Map<string, Map<string, Map<number, RequestSeries>>>();

  constructor(registers: Registry[]) {
    super({ name: REQUEST_DURATION, help: 'HTTP request duration by method, route template and status code', labelNames: ['method', 'route', 'status'], buckets: REQUEST_BUCKETS, registers });
  }

  record(rawMethod: string, route: string, status: number, seconds: number): void {
    const method = METHODS.has(rawMethod) ? rawMethod : 'OTHER';
    // nested by the parts as they come (the route string is Fastify's own, the status a number):
    // no key string is built per request
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, counts: new Float64Array(REQUEST_BUCKETS.length + 1), sum: 0, count: 0 };
      byStatus.set(status, series);
      this.series.push(series);
    }
    let i = 0;
    while (i < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[i]!) i++;
    series.counts[i]!++;
    series.sum += seconds;
    series.count++;
  }

  /** what the registry serialises (prom-client's histogram format: _bucket with le, _sum, _count) */
  async getForPromString() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= REQUEST_BUCKETS.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ labels: { ...s.labels, le: i < REQUEST_BUCKETS.length ? REQUEST_BUCKETS[i]! : '+Inf' }, value: cumulative, metricName: `${REQUEST_DURATION}_bucket` });
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${REQUEST_DURATION}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${REQUEST_DURATION}_count` });
    }
    return { name: REQUEST_DURATION, help: 'HTTP request duration by method, route template and status code', type: 'histogram' as const, values, aggregator: 'sum' as const };
  }

  /** the same as objects (getMetricsAsJSON); prom-client's typings give `type` as a numeric enum it never uses at run time */
  override async get(): ReturnType<Histogram<RequestLabel>['get']> {
    return (await this.getForPromString()) as unknown as Awaited<ReturnType<Histogram<RequestLabel>['get']>>;
  }

  override reset(): void {
    this.series?.splice(0);
    this.byRoute?.clear();
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: RequestHistogram;
  readonly #signIns: Counter<'method' | 'outcome' | 'reason'>;
  readonly #refreshReuse: Counter;
  readonly #rateLimited: Counter<'limit'>;
  readonly #webhookDeliveries: Counter<'outcome'>;
  readonly #webhookLatency: Histogram;
  readonly #oidcTokens: Counter<'grant_type'>;
  #sources: MetricSources | null = null;
  #liveSessions: { value: number; at: number } | null = null;
  #outboxInFlight: Promise<{ pending: number; dead: number }> | null = null;

  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    const registers = [this.registry];
    const now = options.now ?? Date.now;
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#requests = new RequestHistogram(registers);
    this.#signIns = new Counter({
      name: 'gatehouse_sign_ins_total',
      help: 'sign-ins by method (password, passkey, oauth:<provider>, mfa = second step, reauthentication) and outcome (success, failure with a reason)',
      labelNames: ['method', 'outcome', 'reason'],
      registers,
    });
    this.#refreshReuse = new Counter({ name: 'gatehouse_refresh_reuse_detected_total', help: 'refresh tokens presented again after rotation (the session was revoked as stolen)', registers });
    this.#rateLimited = new Counter({ name: 'gatehouse_rate_limited_total', help: 'requests refused with 429 by a rate limit, by limit name', labelNames: ['limit'], registers });
    this.#oidcTokens = new Counter({ name: 'gatehouse_oidc_tokens_issued_total', help: 'successful answers of the OpenID Connect token endpoint, by grant type', labelNames: ['grant_type'], registers });

    this.#webhookDeliveries = new Counter({
      name: 'gatehouse_webhook_deliveries_total',
      help: 'webhook delivery attempts by outcome (delivered, failed = will be retried, dead = given up, held = endpoint disabled)',
      labelNames: ['outcome'],
      registers,
    });
    this.#webhookLatency = new Histogram({
      name: 'gatehouse_webhook_delivery_seconds',
      help: "time from an event's commit to its endpoint's 2xx",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    // read at scrape time from the sources (none until watch(): zeros)
    const liveSessions = () => this.#readLiveSessions(now);
    const outboxDepth = () => this.#outboxDepth();
    const sources = () => this.#sources;
    new Gauge({
      name: 'gatehouse_sessions_active',
      help: 'live sessions (not revoked, not expired), counted at most once a second',
      registers,
      async collect() {
        this.set(await liveSessions());
      },
    });
    const outbox = (key: 'pending' | 'dead', help: string) =>
      new Gauge({
        name: `gatehouse_mail_outbox_${key}`,
        help,
        registers,
        async collect() {
          this.set((await outboxDepth())[key]);
        },
      });
    outbox('pending', 'mail waiting in the outbox to be sent');
    outbox('dead', 'mail given up on after its last attempt (dead letters)');
    const webhookQueue = (key: 'pending' | 'dead', help: string) =>
      new Gauge({
        name: `gatehouse_webhook_queue_${key}`,
        help,
        registers,
        async collect() {
          this.set((await sources()?.webhookQueue?.())?.[key] ?? 0);
        },
      });
    webhookQueue('pending', 'webhook deliveries waiting to be sent (first tries and retries)');
    webhookQueue('dead', 'webhook deliveries given up on after their last attempt (retryable by an admin)');
    const pool = (key: 'total' | 'idle' | 'waiting', help: string) =>
      new Gauge({
        name: `gatehouse_db_pool_${key}`,
        help,
        registers,
        collect() {
          this.set(sources()?.pool()[key] ?? 0);
        },
      });
    pool('total', 'database connections open (PGlite: 1)');
    pool('idle', 'database connections idle');
    pool('waiting', 'queries waiting for a database connection');
    new Gauge({
      name: 'gatehouse_hash_queue_length',
      help: 'password hashes waiting for a hashing thread',
      registers,
      collect() {
        this.set(sources()?.hashQueue() ?? 0);
      },
    });
  }

  /** one COUNT at most once a second, however often Prometheus (or several) scrape */
  async #readLiveSessions(now: () => number): Promise<number> {
    if (!this.#sources) return 0;
    const cached = this.#liveSessions;
    if (cached && now() - cached.at < LIVE_SESSIONS_CACHE_MS) return cached.value;
    const value = await this.#sources.liveSessions();
    this.#liveSessions = { value, at: now() };
    return value;
  }

  /** the outbox depth: both outbox gauges of one scrape share one query (collected at once) */
  #outboxDepth(): Promise<{ pending: number; dead: number }> {
    if (!this.#sources) return Promise.resolve({ pending: 0, dead: 0 });
    if (!this.#outboxInFlight) {
      const query = this.#sources.outbox();
      this.#outboxInFlight = query;
      const clear = () => {
        if (this.#outboxInFlight === query) this.#outboxInFlight = null;
      };
      query.then(clear, clear);
    }
    return this.#outboxInFlight;
  }

  /** where the scrape-time gauges read from (called once the services exist) */
  watch(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** one request, at its end: `route` is the route template (or UNMATCHED_ROUTE) */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.record(method, route, status, seconds);
  }

  /** a sign-in (or re-authentication) ended, as the sign-in core tells it once committed */
  signIn(event: SignInEvent): void {
    if (event.outcome === 'success') this.#signIns.inc({ method: methodLabel(event.attempt), outcome: 'success' });
    else this.#signIns.inc({ method: methodLabel(event.attempt), outcome: 'failure', reason: event.reason });
  }

  /** an audit event was committed: refresh reuse is counted from these */
  recorded(event: RecordedEvent): void {
    if (event.type === 'refresh.reused') this.#refreshReuse.inc();
  }

  /** one webhook delivery attempt's outcome */
  webhookAttempt(outcome: 'delivered' | 'failed' | 'dead' | 'held'): void {
    this.#webhookDeliveries.inc({ outcome });
  }

  /** seconds from an event's commit to its endpoint's 2xx */
  webhookDelivered(seconds: number): void {
    this.#webhookLatency.observe(seconds);
  }

  /** a rate limit refused a hit (its name: api-ip, login-ip, login-id, …) */
  rateLimited(limit: string): void {
    this.#rateLimited.inc({ limit });
  }

  /** the OpenID Connect token endpoint issued tokens (authorization_code, refresh_token, client_credentials) */
  oidcTokenIssued(grantType: string): void {
    this.#oidcTokens.inc({ grant_type: grantType });
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
