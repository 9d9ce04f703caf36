/**
 * A real HTTP receiver for the webhook tests, on loopback: every request it gets is verified with
 * the `standardwebhooks` package (what a receiver in the wild would use), against each secret the
 * test says is live. It can answer 2xx, fail, redirect, hang, or be down (port reserved, nothing
 * listening) and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { freePort } from './installation.js';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  /** which of the receiver's secrets verified it (by index); empty: none did */
  verifiedBy: number[];
  status: number;
}

export type Behaviour = 'ok' | 'fail' | 'redirect' | 'hang';

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** the secrets a receiver would hold (set after the endpoint is created) */
  secrets: string[] = [];
  behaviour: Behaviour = 'ok';
  /** answer the next N requests with 500 before behaving */
  failNext = 0;
  #server: Server | null = null;
  readonly #hanging = new Set<ServerResponse>();
  /** the most requests this receiver held open at one moment ('hang': until the sender gave up) */
  maxHanging = 0;

  private constructor(readonly port: number) {}

  static async start(options: { listening?: boolean } = {}): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(await freePort());
    if (options.listening !== false) await r.up();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
      const verifiedBy = this.secrets.flatMap((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          return [i];
        } catch {
          return [];
        }
      });
      let status = 204;
      if (this.failNext > 0) {
        this.failNext--;
        status = 500;
      } else if (this.behaviour === 'fail') status = 500;
      else if (this.behaviour === 'redirect') status = 302;
      let json: Received['json'];
      try {
        json = JSON.parse(body) as Received['json'];
      } catch {
        json = { type: '', timestamp: '', data: {} };
      }
      this.received.push({ id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, json, verifiedBy, status });
      if (this.behaviour === 'hang') {
        this.#hanging.add(res);
        this.maxHanging = Math.max(this.maxHanging, this.#hanging.size);
        // the sender's timeout closes the connection: no longer in flight
        res.on('close', () => this.#hanging.delete(res));
        return;
      }
      if (status === 302) res.setHeader('location', 'http://127.0.0.1:1/elsewhere');
      res.statusCode = status;
      res.end(status === 204 ? undefined : 'no');
    });
  }

  /** received requests of one event type */
  ofType(type: string): Received[] {
    return this.received.filter((r) => r.json.type === type);
  }
}
