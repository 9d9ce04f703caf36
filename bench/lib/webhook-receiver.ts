/**
 * The webhook receiver of scenario (w): a plain node:https server in the bench process on
 * 127.0.0.1, answering 204 to every delivery. HTTPS because Gatehouse runs with NODE_ENV=production,
 * where a webhook URL must be https: the certificate is a throw-away self-signed one (openssl, in
 * the run's temp dir) that the Gatehouse child trusts through NODE_EXTRA_CA_CERTS; loopback is
 * allowed by WEBHOOK_ALLOW_PRIVATE=true. Each delivery is verified with the `standardwebhooks`
 * package (what receivers use) and its latency taken from the event's timestamp (in the body) to
 * the moment its request arrived; retries of one webhook-id count once.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';

export interface ReceiverTls {
  certFile: string;
  keyFile: string;
}

/** a self-signed P-256 certificate for 127.0.0.1 (valid one day) */
export function makeReceiverTls(dir: string): ReceiverTls {
  const certFile = join(dir, 'webhook-receiver.crt');
  const keyFile = join(dir, 'webhook-receiver.key');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`(w) openssl could not make the receiver's certificate: ${r.error?.message ?? r.stderr}`);
  return { certFile, keyFile };
}

export interface Receipt {
  /** Date.now() when the request's headers arrived */
  receivedAt: number;
  /** the event's own timestamp (the body's `timestamp`), ms */
  eventAt: number;
  type: string;
}

export class BenchWebhookReceiver {
  /** the first receipt of each webhook-id since the last reset */
  readonly firsts = new Map<string, Receipt>();
  requests = 0;
  duplicates = 0;
  unverified = 0;
  secret: string | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(tls: ReceiverTls): Promise<BenchWebhookReceiver> {
    let self: BenchWebhookReceiver | null = null;
    const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
      const receivedAt = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.statusCode = 204;
        res.end();
        self?.record(req.headers, Buffer.concat(chunks).toString('utf8'), receivedAt);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    self = new BenchWebhookReceiver(server, `https://127.0.0.1:${port}/hook`);
    return self;
  }

  private record(headers: Record<string, string | string[] | undefined>, body: string, receivedAt: number): void {
    this.requests++;
    const h = { 'webhook-id': String(headers['webhook-id'] ?? ''), 'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(headers['webhook-signature'] ?? '') };
    try {
      if (!this.secret) throw new Error('no secret yet');
      new Webhook(this.secret).verify(body, h);
    } catch {
      this.unverified++;
    }
    if (this.firsts.has(h['webhook-id'])) {
      this.duplicates++;
      return;
    }
    let json: { type?: string; timestamp?: string } = {};
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      /* counted as unverified above */
    }
    this.firsts.set(h['webhook-id'], { receivedAt, eventAt: Date.parse(json.timestamp ?? ''), type: json.type ?? '' });
  }

  reset(): void {
    this.firsts.clear();
    this.requests = 0;
    this.duplicates = 0;
    this.unverified = 0;
  }

  /** exact percentiles of event → receipt, ms, over the distinct deliveries */
  latency(): { p50: number; p90: number; p99: number; max: number; count: number } {
    const all = Float64Array.from([...this.firsts.values()].map((r) => r.receivedAt - r.eventAt).filter(Number.isFinite)).sort();
    const pct = (p: number) => (all.length ? all[Math.min(all.length - 1, Math.max(0, Math.ceil((p / 100) * all.length) - 1))]! : NaN);
    return { p50: pct(50), p90: pct(90), p99: pct(99), max: all.length ? all[all.length - 1]! : NaN, count: all.length };
  }

  /** events per second by the events' own timestamps (their commits), first to last */
  eventRate(): number {
    const at = [...this.firsts.values()].map((r) => r.eventAt).filter(Number.isFinite);
    if (at.length < 2) return NaN;
    return ((at.length - 1) * 1000) / (Math.max(...at) - Math.min(...at));
  }

  /** when the last distinct delivery arrived (Date.now() ms), or NaN */
  lastReceipt(): number {
    let last = NaN;
    for (const r of this.firsts.values()) if (!(r.receivedAt <= last)) last = r.receivedAt;
    return last;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
