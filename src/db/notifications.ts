/**
 * LISTEN for a channel on either engine, for wake-ups that must follow a commit (NOTIFY is
 * delivered at commit, by a trigger or a statement): PostgreSQL through a dedicated connection
 * (a pooled one would be handed to queries and lose its LISTEN), reconnected when it drops;
 * PGlite through its own in-process listener. Returns the function that stops listening. A lost
 * notification is covered by the listener's own slow poll: this is a latency aid, not a queue.
 */
import pg from 'pg';
import type { DatabaseHandle } from './database.js';

const RECONNECT_MS = 1000;

export async function listen(handle: DatabaseHandle, channel: string, onNotify: (payload: string) => void, onError: (error: Error) => void = () => {}): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  if (handle.pglite) {
    const unlisten = await handle.pglite.listen(channel, (payload) => onNotify(payload ?? ''));
    return async () => {
      if (!handle.pglite!.closed) await unlisten().catch(() => {});
    };
  }
  if (!handle.connectionString) return async () => {};
  const connectionString = handle.connectionString;
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
    const reconnect = (error?: Error) => {
      if (error) onError(error);
      c.removeAllListeners();
      c.on('error', () => {});
      c.end().catch(() => {});
      if (client === c) client = null;
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = null;
        connect().catch(() => {});
      }, RECONNECT_MS);
      retry.unref();
    };
    c.on('notification', (n) => onNotify(n.payload ?? ''));
    c.on('error', (error) => reconnect(error));
    c.on('end', () => reconnect());
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      reconnect(error as Error);
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    // whatever was committed while we were not listening (an empty payload: anything may be waiting)
    onNotify('');
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = client;
    client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  };
}
