/**
 * Guards the body limit for chunked bodies on every method: a DELETE (the bad-input fuzzer's
 * `DELETE /api/v1/auth/mfa/passkeys/{id}`, seed 1837799470) with `Transfer-Encoding: chunked` and a
 * body over BODY_LIMIT_BYTES answered 400 validation_error instead of 413 payload_too_large. Sent
 * over a real socket, since app.inject does not send chunked bodies as a client does: the
 * client writes its request and half-closes, and the server dropped (or answered 400) a request
 * whose guard was still looking up the session when the half-close arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register } from '../helpers/factories.js';

const LIMIT = 2048;

/** one HTTP/1.1 request written by hand: the status line and body of the answer */
function rawChunked(port: number, method: string, path: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      let body = rest.join('\r\n\r\n');
      if (/transfer-encoding: chunked/i.test(head)) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Transfer-Encoding: chunked', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    // the whole request, then the client's side closed (what a raw-socket client does; the
    // half-close made the server drop a signed-in request still in its guard)
    socket.end(`${lines.join('\r\n')}\r\n\r\n${chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`);
  });
}

/** a JSON body of about `size` bytes, in 1 KiB chunks */
function bigJson(size: number): string[] {
  const text = JSON.stringify({ password: 'x'.repeat(size) });
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 1024) out.push(text.slice(i, i + 1024));
  return out;
}

describe('chunked bodies over BODY_LIMIT_BYTES', () => {
  let t: TestContext;
  let port: number;
  let token: string;
  before(async () => {
    t = await buildTestContext({ env: { BODY_LIMIT_BYTES: String(LIMIT) } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    token = (await register(t.app)).accessToken;
  });
  after(async () => {
    await t.close();
  });

  const cases: [string, string, boolean][] = [
    ['DELETE', `/api/v1/auth/mfa/passkeys/${randomUUID()}`, true],
    ['DELETE', `/api/v1/auth/sessions/${randomUUID()}`, true],
    ['POST', '/api/v1/auth/login', false],
    ['PATCH', '/api/v1/auth/me', true],
    ['PUT', '/api/v1/auth/me', true],
    ['OPTIONS', '/api/v1/auth/login', false],
  ];

  for (const [method, path, signedIn] of cases) {
    for (const contentType of ['application/json', null]) {
      it(`${method} ${path.replace(/[0-9a-f-]{36}/, '{id}')} ${contentType ?? 'without a Content-Type'}, chunked, over the limit → 413 payload_too_large`, async () => {
        const headers: Record<string, string> = {};
        if (contentType) headers['Content-Type'] = contentType;
        if (signedIn) headers.Authorization = `Bearer ${token}`;
        const res = await rawChunked(port, method, path, headers, bigJson(LIMIT * 3));
        assert.equal(res.status, 413, res.body);
        assert.equal(JSON.parse(res.body).code, 'payload_too_large');
      });
    }
  }
});
