import type { EphemeralStore } from './ephemeral-store.js';

/**
 * Broadcasts "this changed" to every instance (through the ephemeral store's pub/sub: Redis when
 * configured, in-process otherwise). Messages are `<topic>:<id>`, e.g. `session:<uuid>`,
 * `user:<uuid>`, `roles:*`. Handlers evict their caches; the one-second cache lifetime covers a
 * lost message.
 */
const CHANNEL = 'invalidate';

export class InvalidationBus {
  readonly #handlers = new Map<string, ((id: string) => void)[]>();
  #subscribed: Promise<void> | null = null;

  constructor(private readonly store: EphemeralStore) {}

  async start(): Promise<void> {
    this.#subscribed ??= this.store.subscribe(CHANNEL, (message) => this.#deliver(message));
    await this.#subscribed;
  }

  on(topic: string, handler: (id: string) => void): void {
    const list = this.#handlers.get(topic) ?? [];
    list.push(handler);
    this.#handlers.set(topic, list);
  }

  /**
   * Evicts locally at once, then tells the other instances. A failed broadcast is not an error
   * for the caller: the change is committed, and the other instances' one-second cache lifetime
   * bounds how long they can miss it.
   */
  async publish(topic: string, id: string): Promise<void> {
    this.#deliver(`${topic}:${id}`);
    await this.store.publish(CHANNEL, `${topic}:${id}`).catch(() => {});
  }

  #deliver(message: string): void {
    const i = message.indexOf(':');
    if (i < 0) return;
    for (const handler of this.#handlers.get(message.slice(0, i)) ?? []) handler(message.slice(i + 1));
  }
}
