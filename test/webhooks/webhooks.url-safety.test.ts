/**
 * Where a webhook may point in production: not a loopback, private or link-local address (unless
 * WEBHOOK_ALLOW_PRIVATE=true) — when the endpoint is saved and again when connecting, since DNS can
 * change in between. The connection-time check is shown against a real receiver on loopback: the
 * production deliverer refuses to connect to it (IP literal and a name that resolves to it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimedMessage } from '../../src/outbox/outbox-queue.js';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer.js';
import { isNonPublicAddress, urlAddressProblem, urlFormProblem } from '../../src/webhooks/webhook-url.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const production = { production: true, allowPrivate: false };
const development = { production: false, allowPrivate: false };

describe('webhook URL safety', () => {
  it('non-public addresses: loopback, private, link-local, CGNAT, unique-local, mapped IPv4, multicast', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', '64:ff9b::a00:1']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isNonPublicAddress(a), false, a);
  });

  it('form: https in production, http or https otherwise; no credentials, no fragment', () => {
    assert.equal(urlFormProblem('https://hooks.example.com/x', production), null);
    assert.match(String(urlFormProblem('http://hooks.example.com/x', production)), /https/);
    assert.equal(urlFormProblem('http://hooks.example.com/x', development), null);
    assert.ok(urlFormProblem('https://u:p@hooks.example.com/x', production));
    assert.ok(urlFormProblem('https://hooks.example.com/x#f', production));
  });

  it('saved: in production a host resolving to a private address is refused unless allowed; outside production no DNS check', async () => {
    assert.match(String(await urlAddressProblem('https://127.0.0.1/x', production)), /loopback, private or link-local/);
    assert.match(String(await urlAddressProblem('https://[::1]/x', production)), /loopback/);
    assert.match(String(await urlAddressProblem('https://localhost/x', production)), /loopback/);
    assert.match(String(await urlAddressProblem('https://169.254.169.254/latest/meta-data', production)), /link-local/);
    assert.equal(await urlAddressProblem('https://127.0.0.1/x', { production: true, allowPrivate: true }), null);
    assert.equal(await urlAddressProblem('http://127.0.0.1/x', development), null);
  });

  describe('at connection time (a real receiver on loopback)', () => {
    let receiver: WebhookReceiver;
    before(async () => {
      receiver = await WebhookReceiver.start();
    });
    after(() => receiver.down());

    const message: ClaimedMessage = { id: '00000000-0000-4000-8000-000000000001', template: 'user.created', to: 'e', data: { type: 'user.created' }, attempts: 1, budgetAttempts: 1, createdAt: new Date() };
    const settings = (urlPolicy: { production: boolean; allowPrivate: boolean }) => ({ timeoutSeconds: 2, retryMaxSeconds: 1, maxAttempts: 3, urlPolicy });
    const clock = { now: () => Date.now() };
    const endpointAt = (url: string) => ({ forDelivery: async () => ({ url, enabled: true, secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] }) });

    it('production refuses to connect to an IP literal or a name that resolves to loopback; nothing reaches the receiver', async () => {
      for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
        const outcome = await new WebhookDeliverer(endpointAt(url), clock, settings(production)).deliver(message);
        assert.equal(outcome.kind, 'retry', url);
        assert.match((outcome as { error: string }).error, /refused|non-public/, url);
      }
      assert.equal(receiver.received.length, 0);
    });

    it('the same deliverer connects when private addresses are allowed (the check, not the network, refused it)', async () => {
      const outcome = await new WebhookDeliverer(endpointAt(receiver.url.replace('127.0.0.1', 'localhost')), clock, settings({ production: true, allowPrivate: true })).deliver(message);
      assert.equal(outcome.kind, 'sent');
      assert.equal(receiver.received.length, 1);
    });
  });
});
