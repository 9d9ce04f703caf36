/**
 * The deploy kit under deploy/ (#21). nginx is tested for real by nginx-scale-out.test.ts; the
 * systemd unit is checked by systemd-analyze where this machine has it. No container engine runs
 * here, so the image is assembled from the Dockerfile's COPY lines (helpers/docker-image.ts) and
 * started with its CMD and ENV — guarding the image that could not start because its runtime stage
 * lacked assets/ (ENOENT …/assets/gatehouse.css) — and the compose file's settings go through the
 * real configuration checks; the rest of what they promise is checked from their text.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { assembleImage, envOf, healthcheckOf, parseDockerfile } from '../helpers/docker-image.js';
import { assertBuilt, root } from '../helpers/entry-points.js';
import { freePort } from '../helpers/installation.js';

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

  it('Docker image: the runtime stage holds what the server needs — assembled from its COPY lines, CMD and ENV, it answers /health/ready and its HEALTHCHECK passes', { timeout: 240_000 }, async () => {
    assertBuilt();
    const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-image-'));
    try {
      const image = assembleImage(read('Dockerfile'), join(tmp, 'rootfs'));
      const port = await freePort();
      const dataDir = join(tmp, 'data');
      // the image's ENV, on a fresh DATA_DIR and a free port; loopback rather than 0.0.0.0 on a shared machine
      const env = { PATH: dirname(process.execPath) + ':/usr/bin:/bin', HOME: tmp, ...image.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
      assert.equal(image.env.PORT, '8000', 'the image listens where EXPOSE and HEALTHCHECK say');
      const [program, ...args] = image.command;
      assert.equal(program, 'node');
      const child = spawn(process.execPath, args, { cwd: image.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      try {
        const deadline = Date.now() + 180_000;
        for (;;) {
          assert.equal(child.exitCode, null, `the image's server exited: ${output}`);
          if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false)) break;
          assert.ok(Date.now() < deadline, `not ready: ${output}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        const page = await fetch(`http://127.0.0.1:${port}/login`);
        assert.equal(page.status, 200, 'the pages render (their stylesheet is in the image)');
        const css = /href="(\/assets\/gatehouse\.css[^"]*)"/.exec(await page.text())?.[1];
        assert.ok(css, 'the page links its stylesheet');
        assert.equal((await fetch(`http://127.0.0.1:${port}${css.replace(/&amp;/g, '&')}`)).status, 200);
        // the image's own HEALTHCHECK, against this port instead of the image's 8000
        const check = healthcheckOf(image.stages.at(-1)!);
        assert.ok(check, 'HEALTHCHECK … CMD');
        const probe = spawnSync('/bin/sh', ['-c', check.replaceAll(`:${image.env.PORT}/`, `:${port}/`)], { env, encoding: 'utf8', timeout: 30_000 });
        assert.equal(probe.status, 0, `HEALTHCHECK failed: ${probe.stderr}`);
      } finally {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("compose: the gatehouse service's environment (with the image's ENV) passes the start-up configuration checks, and needs no writable DATA_DIR on its read-only root", () => {
    const compose = parseYaml(read('compose.yaml')) as { services: Record<string, { environment?: Record<string, string>; read_only?: boolean; tmpfs?: string[] }> };
    const service = compose.services.gatehouse!;
    const image = envOf(parseDockerfile(read('Dockerfile')).at(-1)!);
    // ${NAME:?message} must come from the operator; ${NAME:-default} falls back to its default
    const given: Record<string, string> = { SECRETS_KEY: randomBytes(32).toString('base64') };
    const substitute = (value: string) =>
      String(value).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, how: string | undefined, rest: string) => {
        if (given[name] !== undefined) return given[name];
        assert.notEqual(how, '?', `${name} is required by compose and not given here`);
        return how === '-' ? rest : '';
      });
    const env = { ...image, ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(v)])) };
    const config = loadConfig(env);
    assert.equal(config.production, true);
    assert.ok(config.databaseUrl && config.secretsKey, 'DATA_DIR (not writable: read_only) is used only without DATABASE_URL or SECRETS_KEY');
    assert.equal(service.read_only, true);
    assert.equal(config.port, 8000, "nginx's upstream is gatehouse:8000");
    assert.match(read('nginx.conf'), /server gatehouse:8000\b/);
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
