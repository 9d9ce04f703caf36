/**
 * autocannon, run in this process against 127.0.0.1, with our own exact latency percentiles:
 * every response time is kept (floats, ms) instead of relying on autocannon's integer histogram
 * and its coordinated-omission correction (which, with `overallRate`, adds synthetic samples at
 * 1 ms steps and skews fixed-rate percentiles). autocannon's own figures are kept in the raw JSON.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  title: string;
  /** several URLs: autocannon spreads the connections over them round-robin (connection i → url[i % n]) */
  url: string | string[];
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
  /** send exactly this many requests, then stop (replaces the duration: e.g. one per prepared single-use code) */
  amount?: number;
  overallRate?: number;
  timeoutS?: number;
  /** a fresh body for every request (e.g. a unique email per sign-up); replaces `body` */
  bodyFn?: () => string;
  /** classifies response bodies (e.g. 503 "Server Busy" vs other 503s); costs a little client CPU */
  classifyBody?: (status: number, body: string) => string | null;
}

export interface LoadResult {
  title: string;
  connections: number;
  overallRate: number | null;
  durationS: number;
  responses: number;
  perSecond: number;
  ok2xx: number;
  non2xx: number;
  statusCounts: Record<string, number>;
  bodyClasses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** exact percentiles over every response (all statuses), ms */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** the same over 2xx responses only */
  latency2xxMs: { p50: number; p99: number } | null;
  autocannon: { rpsMean: number; latencyP50: number; latencyP99: number; latencyMax: number; non2xx: number; errors: number; timeouts: number };
}

export interface RunningLoad {
  /** responses seen so far with their arrival time (performance.now()), for windowed counts */
  events: { at: number; status: number }[] | null;
  done: Promise<LoadResult>;
  stop(): void;
}

function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** starts a load; `recordEvents` keeps every response's arrival time (for a storm's window) */
export function startLoad(o: LoadOptions, recordEvents = false): RunningLoad {
  const times: number[] = [];
  const times2xx: number[] = [];
  const statusCounts: Record<string, number> = {};
  const bodyClasses: Record<string, number> = {};
  const events: { at: number; status: number }[] | null = recordEvents ? [] : null;
  const classify = o.classifyBody;

  let settle: (error: unknown, r?: autocannon.Result) => void = () => {};
  const bodyFn = o.bodyFn;
  const instance = autocannon({
    // autocannon accepts an array of URLs (lib/run.js) though its types say string
    url: o.url as string,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationS }),
    pipelining: 1,
    timeout: o.timeoutS ?? 10,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    requests: [
      {
        method: o.method ?? 'GET',
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(bodyFn ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: bodyFn() }) } : {}),
        ...(classify
          ? {
              onResponse: (status: number, body: string) => {
                const c = classify(status, body);
                if (c) bodyClasses[c] = (bodyClasses[c] ?? 0) + 1;
              },
            }
          : {}),
      },
    ],
  }, (error, r) => settle(error, r));

  (instance as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    times.push(ms);
    if (status >= 200 && status < 300) times2xx.push(ms);
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    events?.push({ at: performance.now(), status });
  });

  const done = new Promise<LoadResult>((resolve, reject) => {
    settle = (error, r) => {
      if (error || !r) return reject(error instanceof Error ? error : new Error(String(error)));
      const sorted = Float64Array.from(times).sort();
      const sorted2xx = Float64Array.from(times2xx).sort();
      const ok2xx = times2xx.length;
      let sum = 0;
      for (const t of times) sum += t;
      const durationS = r.duration;
      resolve({
        title: o.title,
        connections: o.connections,
        overallRate: o.overallRate ?? null,
        durationS,
        responses: times.length,
        perSecond: times.length / durationS,
        ok2xx,
        non2xx: times.length - ok2xx,
        statusCounts,
        bodyClasses,
        errors: r.errors,
        timeouts: r.timeouts,
        latencyMs: {
          p50: percentile(sorted, 50),
          p90: percentile(sorted, 90),
          p99: percentile(sorted, 99),
          max: sorted.length ? sorted[sorted.length - 1]! : NaN,
          mean: times.length ? sum / times.length : NaN,
        },
        latency2xxMs: ok2xx ? { p50: percentile(sorted2xx, 50), p99: percentile(sorted2xx, 99) } : null,
        autocannon: {
          rpsMean: r.requests.mean,
          latencyP50: r.latency.p50,
          latencyP99: r.latency.p99,
          latencyMax: r.latency.max,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
        },
      });
    };
  });
  return { events, done, stop: () => instance.stop() };
}

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return startLoad(o).done;
}
