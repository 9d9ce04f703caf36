/**
 * A fixed-rate (open-loop) load for latency targets: requests are sent on a schedule — one every
 * 1000/rate ms — whatever the server does, and each latency counts from the moment its request
 * was due, not from when it could be sent. A closed-loop generator (autocannon with overallRate)
 * waits for a slow response before sending on that connection, so the requests a stall delays are
 * never measured (coordinated omission) and p99 looks better than what users see.
 */
import { Agent, request, type ClientRequest } from 'node:http';

export interface OpenLoopOptions {
  url: string;
  headers?: Record<string, string>;
  rate: number;
  durationS: number;
  /** POST with a fresh body per request (e.g. a unique email per sign-up); GET when absent */
  bodyFn?: () => string;
  /** the method when it is not POST (with a body) or GET (without) */
  method?: string;
  /** headers of one request, called after its bodyFn (e.g. the bearer of the user it acts as), over `headers` */
  headersFn?: () => Record<string, string>;
  /** at most this many requests in flight (the rest wait for a socket, still timed from their due time); default 256 */
  maxSockets?: number;
  /** a request's socket idle timeout; also, `timeoutMs` after the last request was due, every request still open is abandoned (an error) */
  timeoutMs?: number;
}

export interface OpenLoopResult {
  rate: number;
  durationS: number;
  sent: number;
  responses: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  /** exact percentiles, ms, measured from each request's scheduled time */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  /** the same from when each request actually left (what a closed-loop tool reports) */
  serviceMs: { p50: number; p99: number };
  /** how late the generator itself sent requests (its own stalls), ms */
  sendLagMs: { p99: number; max: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 256 });
  const interval = 1000 / o.rate;
  const total = Math.round(o.rate * o.durationS);
  const latencies: number[] = [];
  const service: number[] = [];
  const lags: number[] = [];
  let ok2xx = 0;
  let non2xx = 0;
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const open = new Set<ClientRequest>();
  const timeoutMs = o.timeoutMs ?? 10_000;
  const t0 = performance.now() + 20;

  // each request settles once: answered, failed, timed out or abandoned at the deadline
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const sentAt = performance.now();
      lags.push(sentAt - due);
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        open.delete(req);
        fn();
        resolve();
      };
      const body = o.bodyFn?.();
      const headers = o.headersFn ? { ...o.headers, ...o.headersFn() } : o.headers;
      const req = request(o.url, { agent, method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () =>
          settle(() => {
            const end = performance.now();
            latencies.push(end - due);
            service.push(end - sentAt);
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) ok2xx++;
            else non2xx++;
          }),
        );
        res.on('error', () => settle(() => errors++));
      });
      open.add(req);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => settle(() => errors++));
      req.on('close', () => settle(() => errors++));
      req.end(body);
    });

  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    // the last half millisecond spins: timers fire late by up to a millisecond
    while (performance.now() < due);
    inFlight.push(send(due));
  }
  // bounded: requests queued behind the agent's sockets would otherwise wait for one timeout per round
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(inFlight),
    new Promise<void>((r) => {
      deadline = setTimeout(() => {
        for (const req of open) req.destroy(new Error('deadline'));
        r();
      }, Math.max(0, t0 + total * interval + timeoutMs - performance.now()));
    }),
  ]);
  clearTimeout(deadline);
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const sortedService = Float64Array.from(service).sort();
  const sortedLag = Float64Array.from(lags).sort();
  let sum = 0;
  for (const l of latencies) sum += l;
  return {
    rate: o.rate,
    durationS: o.durationS,
    sent: total,
    responses: latencies.length,
    ok2xx,
    non2xx,
    errors,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: latencies.length ? sum / latencies.length : NaN,
    },
    serviceMs: { p50: percentile(sortedService, 50), p99: percentile(sortedService, 99) },
    sendLagMs: { p99: percentile(sortedLag, 99), max: sortedLag.length ? sortedLag[sortedLag.length - 1]! : NaN },
  };
}
