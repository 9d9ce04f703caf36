/**
 * The monitoring kit under deploy/ (issue #21): the Grafana dashboard is valid JSON and the
 * Prometheus alert rules valid YAML with the expected alerts, and every metric either names
 * (gatehouse_*, and the process_/nodejs_ defaults) is one a real scrape of the app exposes, so
 * the kit cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';

const root = new URL('../../deploy/', import.meta.url);
const METRIC_NAME = /\b(?:gatehouse|process|nodejs)_[a-zA-Z0-9_]+\b/g;

interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** every string under `expr`, `definition` or a templating `query` in a Grafana dashboard */
function dashboardQueries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const v of node) dashboardQueries(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'expr' || k === 'definition' || k === 'query') && typeof v === 'string') out.push(v);
      else dashboardQueries(v, out);
    }
  }
  return out;
}

/** the sample names a scrape can show: each family, and a histogram's _bucket, _sum and _count */
function exposedNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

describe('deploy/ monitoring kit', () => {
  let t: TestContext;
  let exposed: Set<string>;
  before(async () => {
    t = await buildTestContext();
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    exposed = exposedNames(res.body);
  });
  after(async () => {
    await t.close();
  });

  it('grafana-dashboard.json: valid JSON, panels with queries, every metric it names is exposed', () => {
    const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', root), 'utf8')) as { title: string; uid: string; panels: { type: string; targets?: { expr: string }[] }[] };
    assert.equal(typeof dashboard.title, 'string');
    assert.ok(dashboard.panels.filter((p) => p.type !== 'row').every((p) => (p.targets ?? []).length > 0), 'every panel queries something');
    const names = new Set(dashboardQueries(dashboard).flatMap((q) => q.match(METRIC_NAME) ?? []));
    for (const wanted of [
      'gatehouse_http_request_duration_seconds_bucket',
      'gatehouse_http_request_duration_seconds_count',
      'gatehouse_sign_ins_total',
      'gatehouse_rate_limited_total',
      'gatehouse_refresh_reuse_detected_total',
      'gatehouse_mail_outbox_pending',
      'gatehouse_mail_outbox_dead',
      'gatehouse_sessions_active',
      'gatehouse_db_pool_total',
      'gatehouse_db_pool_idle',
      'gatehouse_db_pool_waiting',
      'gatehouse_hash_queue_length',
    ]) assert.ok(names.has(wanted), `the dashboard shows ${wanted}`);
    for (const name of names) assert.ok(exposed.has(name), `the dashboard names ${name}, which /metrics does not expose`);
  });

  it('prometheus-alerts.yml: valid rule groups with the expected alerts, every metric it names is exposed', () => {
    const doc = parseYaml(readFileSync(new URL('prometheus-alerts.yml', root), 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
    assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0);
    const rules = doc.groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      assert.equal(typeof rule.alert, 'string');
      assert.ok(typeof rule.expr === 'string' && rule.expr.trim() !== '', `${rule.alert} has an expression`);
      assert.ok(rule.labels?.severity, `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
    }
    const alerts = new Set(rules.map((r) => r.alert));
    for (const wanted of ['GatehouseInstanceDown', 'GatehouseNotReady', 'GatehouseLoginFailureSpike', 'GatehouseDeadMail', 'GatehouseHighLatencyP99']) assert.ok(alerts.has(wanted), `alert ${wanted}`);
    const byName = new Map(rules.map((r) => [r.alert, r.expr]));
    assert.match(byName.get('GatehouseDeadMail')!, /gatehouse_mail_outbox_dead\b.*> 0/);
    assert.match(byName.get('GatehouseLoginFailureSpike')!, /gatehouse_sign_ins_total\{outcome="failure"\}/);
    assert.match(byName.get('GatehouseHighLatencyP99')!, /histogram_quantile\(0\.99,[\s\S]*gatehouse_http_request_duration_seconds_bucket/);
    const names = new Set(rules.flatMap((r) => r.expr.match(METRIC_NAME) ?? []));
    for (const name of names) assert.ok(exposed.has(name), `an alert names ${name}, which /metrics does not expose`);
  });
});
