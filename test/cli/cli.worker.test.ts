/**
 * `gatehouse worker` (docs/operations.md) as a user runs it (the compiled entry point): mail queued by a
 * server running with MAIL_WORKER=off is delivered by the worker alone, which stops cleanly (exit
 * 0) on SIGTERM; and `serve` delivers by itself when MAIL_WORKER is left on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, root } from '../helpers/entry-points.js';
import { PASSWORD, sleep } from '../helpers/factories.js';
import { createInstallation, post, type Installation } from '../helpers/installation.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

describe('gatehouse worker', () => {
  let inst: Installation;
  let smtp: SmtpSink;
  before(async () => {
    inst = await createInstallation();
    smtp = await SmtpSink.start();
  });
  after(async () => {
    await inst.remove();
    await smtp.down();
  });

  it('delivers what a server with MAIL_WORKER=off queued, then stops on SIGTERM with exit 0', async () => {
    const server = await inst.startServer({ MAIL_WORKER: 'off', SMTP_URL: smtp.url });
    assert.equal((await post(server.base, '/api/v1/auth/register', { email: 'queued@example.com', password: PASSWORD })).status, 201);
    await sleep(500);
    assert.equal(smtp.mails.length, 0, 'the server does not deliver with MAIL_WORKER=off');
    assert.equal(await server.stop(), 0);

    const child = spawn(process.execPath, [CLI, 'worker'], { cwd: root, env: { ...inst.env, SMTP_URL: smtp.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let secrets: string[] = [];
    try {
      const mail = await smtp.waitFor('queued@example.com', /Verify your email/, 30_000);
      const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
      assert.ok(code, 'the mail carries its code');
      secrets = [code, ...[...mail.text.matchAll(/token=([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!)];
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${output}`);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /mail worker running/);
    // the mail's code and link token never reach the log (matched as whole tokens: an id or a
    // time may contain eight digits in a row by chance)
    for (const secret of secrets) assert.doesNotMatch(output, new RegExp(`(?<![0-9A-Za-z_-])${secret}(?![0-9A-Za-z_-])`));
    assert.doesNotMatch(output, /token=[A-Za-z0-9_-]{43}/);
  });

  it('serve delivers by itself (MAIL_WORKER defaults to on)', async () => {
    const server = await inst.startServer({ SMTP_URL: smtp.url });
    try {
      assert.equal((await post(server.base, '/api/v1/auth/password-reset', { email: 'queued@example.com' })).status, 202);
      await smtp.waitFor('queued@example.com', /Reset your password/, 10_000);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
