/**
 * Guards: a listener of the audit trail (metrics) hears an event only once it is committed — never
 * from inside the transaction that records it, so a change that rolls back is never counted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuditRepository } from '../../src/audit/audit-repository.js';
import { AuditService, type AuditEventInput } from '../../src/audit/audit-service.js';
import { systemContext } from '../../src/request-context.js';
import { auditChainKey } from '../../src/services.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';

describe('audit listeners run after the commit', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  function listened(): { audit: AuditService; heard: AuditEventInput[] } {
    const heard: AuditEventInput[] = [];
    const audit = new AuditService(t.services.database.db, new AuditRepository(), t.services.clock, auditChainKey(randomBytes(32)), (event) => heard.push(event));
    return { audit, heard };
  }

  it('an event recorded in a transaction that rolls back is never heard; one announced after its commit is', async () => {
    const { audit, heard } = listened();
    const event: AuditEventInput = { type: 'refresh.reused', userId: null, data: { probe: 'rolled-back' } };
    await assert.rejects(
      t.services.database.db.transaction().execute(async (tx) => {
        await audit.record(tx, systemContext, event);
        assert.equal(heard.length, 0, 'heard inside the transaction, before its commit');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(heard.length, 0, 'a rolled-back event was heard');

    const committed: AuditEventInput = { type: 'refresh.reused', userId: null, data: { probe: 'committed' } };
    await t.services.database.db.transaction().execute((tx) => audit.record(tx, systemContext, committed));
    assert.equal(heard.length, 0);
    audit.announce(committed);
    assert.deepEqual(heard, [committed]);
  });

  it('an event that stands alone is heard once its statement is done', async () => {
    const { audit, heard } = listened();
    const event: AuditEventInput = { type: 'login.failed', userId: null, data: { reason: 'unknown_login' } };
    await audit.recordAlone(systemContext, event);
    assert.deepEqual(heard, [event]);
  });
});
