/**
 * The outbox's webhook channel: POSTs a delivery's body to its endpoint, signed the Standard
 * Webhooks way (webhook-signature.ts).
 *
 * - Success is a 2xx whose whole response arrives within WEBHOOK_TIMEOUT_SECONDS. Anything else —
 *   an error status, a redirect (never followed), a timeout, a refused connection, an address the
 *   URL policy forbids at connection time — is retried after 1 s, doubling (±20 % jitter) up to
 *   WEBHOOK_RETRY_MAX_SECONDS, until WEBHOOK_MAX_ATTEMPTS attempts of the current budget; then the
 *   delivery is dead (kept with its body, so an admin can send it again).
 * - `webhook-id` is the delivery's id on every attempt, so receivers de-duplicate by it.
 * - A disabled endpoint's deliveries are held back (not attempted, not counted) until it is enabled.
 * - Up to 16 deliveries are in flight per process, at most 2 per endpoint: a hanging endpoint holds
 *   two slots, never the queue (the worker, outbox-worker.ts, enforces both).
 * - Connections to an endpoint are kept alive between deliveries (one agent per origin, at most two
 *   sockets): a TLS handshake per delivery cost more CPU than the delivery. A new connection is
 *   still checked by the URL policy's lookup; a reused one goes to the address checked when it was
 *   opened. A timed-out request's socket is destroyed, never reused.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ClaimedMessage } from '../outbox/outbox-queue.js';
import type { Deliverer, DeliveryOutcome } from '../outbox/outbox-worker.js';
import type { Clock } from '../clock.js';
import { signatureHeader } from './webhook-signature.js';
import { guardedLookup, literalProblem, type UrlPolicy } from './webhook-url.js';

export interface WebhookDeliverySettings {
  timeoutSeconds: number;
  retryMaxSeconds: number;
  maxAttempts: number;
  urlPolicy: UrlPolicy;
}

/** what the deliverer needs of an endpoint at send time (at most a second old, dropped on any change: WebhooksService.forDelivery) */
export interface EndpointForDelivery {
  url: string;
  enabled: boolean;
  /** the live secrets, current first */
  secrets: string[];
}

export interface EndpointSource {
  forDelivery(id: string): Promise<EndpointForDelivery | null>;
}

/** the most of a response body read (and thrown away) before the answer counts as complete */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** a disabled endpoint's deliveries wait this long before looking again (enabling wakes them at once) */
const PARK_MS = 3600_000;

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export class WebhookDeliverer implements Deliverer {
  readonly channel = 'webhook' as const;
  readonly concurrency = 16;
  readonly perRecipient = 2;
  readonly leaseMs: number;
  /** keep-alive agents by origin (few: one per endpoint host) */
  readonly #agents = new Map<string, HttpAgent>();

  constructor(
    private readonly endpoints: EndpointSource,
    private readonly clock: Clock,
    private readonly settings: WebhookDeliverySettings,
    /** told how long each success took from the event's commit (metrics) */
    private readonly onDelivered?: (seconds: number) => void,
  ) {
    this.leaseMs = settings.timeoutSeconds * 1000 + 30_000;
  }

  async deliver(m: ClaimedMessage): Promise<DeliveryOutcome> {
    const endpoint = await this.endpoints.forDelivery(m.to);
    if (!endpoint) return { kind: 'dead', error: 'the endpoint no longer exists', keepData: false };
    if (!endpoint.enabled) return { kind: 'park', untilMs: this.clock.now() + PARK_MS, reason: 'endpoint disabled' };
    const body = JSON.stringify(m.data);
    const timestamp = Math.floor(this.clock.now() / 1000);
    const result = await this.#post(endpoint.url, body, {
      'content-type': 'application/json',
      'user-agent': 'Gatehouse-Webhooks/1',
      'webhook-id': m.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(endpoint.secrets, m.id, timestamp, body),
    });
    if (result.ok) {
      this.onDelivered?.(Math.max(0, this.clock.now() - m.createdAt.getTime()) / 1000);
      return { kind: 'sent', keepData: true, statusCode: result.status };
    }
    if (m.budgetAttempts >= this.settings.maxAttempts) return { kind: 'dead', error: result.error, keepData: true, statusCode: result.status };
    return { kind: 'retry', error: result.error, delayMs: this.#backoffMs(m.budgetAttempts), statusCode: result.status };
  }

  /** 1 s, 2 s, 4 s … capped, each ±20 % */
  #backoffMs(attempt: number): number {
    const base = Math.min(this.settings.retryMaxSeconds, 2 ** Math.min(attempt - 1, 30)) * 1000;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  #agentFor(url: URL): HttpAgent {
    let agent = this.#agents.get(url.origin);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: this.perRecipient, maxFreeSockets: this.perRecipient, timeout: 30_000, lookup: guardedLookup(this.settings.urlPolicy) };
      agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.#agents.set(url.origin, agent);
    }
    return agent;
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #post(rawUrl: string, body: string, headers: Record<string, string>): Promise<Attempt> {
    const url = new URL(rawUrl);
    const refused = literalProblem(url, this.settings.urlPolicy);
    if (refused) return Promise.resolve({ ok: false, status: null, error: refused });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      const finish = (a: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(a);
      };
      const req = send(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: this.#agentFor(url),
      });
      const timer = setTimeout(() => {
        finish({ ok: false, status: null, error: `timeout: no complete answer within ${this.settings.timeoutSeconds} s` });
        req.destroy();
      }, this.settings.timeoutSeconds * 1000);
      req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: `connection failed: ${err.code ?? err.message}${err.code === 'EWEBHOOKPRIVATE' ? ` (${err.message})` : ''}` }));
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('error', () => finish({ ok: false, status, error: 'the answer was cut off' }));
        res.on('close', () => {
          if (!res.complete && read <= MAX_RESPONSE_BYTES) return finish({ ok: false, status, error: 'the answer was cut off' });
          if (status >= 200 && status < 300) return finish({ ok: true, status });
          if (status >= 300 && status < 400) return finish({ ok: false, status, error: `HTTP ${status}: redirects are not followed` });
          return finish({ ok: false, status, error: `HTTP ${status}` });
        });
      });
      req.end(body);
    });
  }
}
