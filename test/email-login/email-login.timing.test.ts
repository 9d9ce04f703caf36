/**
 * A sign-in code request for an unknown address is not told apart by its time from one for an
 * account that gets mail: the stand-in work (a code hashed, a code looked up, a message written and
 * taken back, a commit that reaches the disk — on PostgreSQL a rolled-back or read-only stand-in
 * answered ~2 ms sooner, its commit waiting for no disk) makes the two distributions alike. Compared as
 * distributions of interleaved samples (no fixed number of milliseconds): the chance that a known
 * address's answer is slower than an unknown one's stays near one half, and their lower quartiles
 * (the work itself, least touched by a busy machine) are close. Nothing of the stand-in stays in
 * the outbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueEmail } from '../helpers/factories.js';
import { requestCode, verifiedUser, withEmailLogin, type MailEnv } from './email-login-helpers.js';

const WARM_UP = 10;
const SAMPLES = 60;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** P(a sample of `a` is greater than one of `b`) — the Mann–Whitney U statistic, normalised */
function probabilityGreater(a: readonly number[], b: readonly number[]): number {
  let wins = 0;
  for (const x of a) for (const y of b) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return wins / (a.length * b.length);
}

describe('sign-in code requests: the time does not tell whether an address gets mail', () => {
  let env: MailEnv;
  before(async () => {
    env = await withEmailLogin();
  });
  after(() => env.close());

  it('known and unknown addresses answer in alike distributions of time', async (t) => {
    const known = await verifiedUser(env);
    const unknown = uniqueEmail('nobody');
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      // interleaved, alternating which goes first, so a slow spell of the machine hits both alike
      const order: ('known' | 'unknown')[] = i % 2 ? ['known', 'unknown'] : ['unknown', 'known'];
      for (const which of order) {
        const started = performance.now();
        const res = await requestCode(env.t.app, which === 'known' ? known.email : unknown);
        const took = performance.now() - started;
        assert.equal(res.statusCode, 202);
        if (i >= WARM_UP) times[which].push(took);
      }
    }
    const p = probabilityGreater(times.known, times.unknown);
    const lower = [quantile(times.known, 0.25), quantile(times.unknown, 0.25)];
    const summary = `P(known slower)=${p.toFixed(2)}, lower quartiles ${lower.map((v) => v.toFixed(2)).join(' / ')} ms`;
    t.diagnostic(summary);
    assert.ok(p > 0.2 && p < 0.8, summary);
    assert.ok(Math.max(...lower) / Math.min(...lower) < 1.6, summary);
    // the known address got its mails; the stand-in left nothing in the outbox
    assert.ok((await env.t.services.mail.recent(500)).every((m) => !m.to.endsWith('.invalid')), 'no stand-in message kept');
  });
});
