/**
 * The deploy kit under deploy/ (#21). nginx is tested for real by nginx-scale-out.test.ts; the
 * systemd unit is checked by systemd-analyze where this machine has it; the Dockerfile and the
 * compose file cannot be run here (no container engine), so the properties they promise are
 * checked from their text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { root } from '../helpers/entry-points.js';

const read = (name: string) => readFileSync(join(root, 'deploy', name), 'utf8');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('deploy kit', () => {
  it('systemd unit: verifies, runs as a dynamic user on a read-only system, stops gracefully', { skip: !hasSystemdAnalyze && 'systemd-analyze is not installed' }, () => {
    const unit = read('gatehouse.service');
    const verify = spawnSync('systemd-analyze', ['verify', join(root, 'deploy', 'gatehouse.service')], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'no warnings');
    for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=', 'KillSignal=SIGTERM', 'StateDirectoryMode=0700']) {
      assert.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    // V8 compiles code at run time: this protection would stop Node
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=yes/m);
  });

  it('Dockerfile: multi-stage, non-root, health-checked, no dev dependencies in the image', () => {
    const file = read('Dockerfile');
    assert.equal(file.match(/^FROM /gm)?.length, 2, 'a build stage and a runtime stage');
    assert.match(file, /npm prune --omit=dev/);
    assert.match(file, /^USER node$/m);
    assert.match(file, /^HEALTHCHECK .*\/health\/ready/m);
    assert.match(file, /^CMD \["node", "dist\/cli\/main.js", "serve"\]$/m);
  });

  it('compose: two instances, PostgreSQL, Redis, nginx with TLS and a mail catcher; secrets from the environment', () => {
    const compose = read('compose.yaml');
    for (const service of ['postgres:', 'redis:', 'mail:', 'gatehouse:', 'nginx:']) assert.match(compose, new RegExp(`^  ${service}`, 'm'), service);
    assert.match(compose, /replicas: 2/);
    assert.match(compose, /read_only: true/);
    assert.match(compose, /SECRETS_KEY: \$\{SECRETS_KEY:\?/, 'refuses to start without a SECRETS_KEY');
    assert.match(compose, /SMTP_URL: smtp:\/\/mail:1025/);
    assert.match(compose, /\.\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/);
  });
});
