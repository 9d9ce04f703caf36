/**
 * Guards: a start that fails half-way stops everything it had started (the signing keys' reload
 * timer, the Redis start-up deadline, hashing threads, connections) before it rethrows — an embedding
 * program or a test runner that survives the failure is not left with timers firing at a closed
 * database.
 */
import assert from 'node:assert/strict';
import { createHook, executionAsyncId } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { createServices } from '../../src/services.js';
import { baseTestEnv } from '../helpers/build-test-app.js';
import { createTestDatabase } from '../helpers/test-database.js';

/** handles that keep working (or keep a process alive) until someone ends them */
const WATCHED = new Set(['Timeout', 'TCPWRAP', 'TCPCONNECTWRAP', 'WORKER', 'PIPEWRAP']);

/** starts with this environment, expects the start to fail; returns the handles begun by it that are still open */
async function failedStartLeaves(env: Record<string, string>, message: RegExp): Promise<string[]> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-failed-start-'));
  const open = new Map<number, string>();
  // only what this start begot counts: resources whose async ancestry leads back to the call (a
  // long-lived test worker has other files' shared threads and timers coming and going meanwhile)
  const begot = new Set<number>();
  const hook = createHook({
    init(id, type, triggerId) {
      if (!begot.has(triggerId)) return;
      begot.add(id);
      if (WATCHED.has(type)) open.set(id, type);
    },
    destroy(id) {
      open.delete(id);
    },
  });
  try {
    const config = loadConfig({ ...baseTestEnv, DATA_DIR: dataDir, SECRETS_KEY: randomBytes(32).toString('base64'), ...env });
    const handle = await database.open();
    begot.add(executionAsyncId());
    hook.enable();
    await assert.rejects(createServices(config, { database: handle }), message);
    // what was stopped is destroyed within a few turns of the event loop, or when a one-shot timer
    // it armed (a 1.5 s connect or command timeout) fires; a leak keeps working and outlives any
    // deadline. A generous one: on a loaded machine those timers fire late
    const deadline = Date.now() + 15_000;
    while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    return [...open.values()];
  } finally {
    hook.disable();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('a failed start', () => {
  it('stops the timers and threads it started (DEFAULT_ROLE names no role: refused after the keys are loaded)', async () => {
    const left = await failedStartLeaves({ DEFAULT_ROLE: 'no-such-role' }, /DEFAULT_ROLE=no-such-role names no role/);
    assert.deepEqual(left, [], `still open after the failed start: ${left.join(', ')}`);
  });

  it('stops its Redis client and start-up deadline (REDIS_URL unreachable)', async () => {
    const left = await failedStartLeaves({ REDIS_URL: 'redis://127.0.0.1:1' }, /Redis|ECONNREFUSED|retries/i);
    assert.deepEqual(left, [], `still open after the failed start: ${left.join(', ')}`);
  });
});
