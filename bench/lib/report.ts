/** The console table and bench/RESULTS.md of a bench run. */
import { writeFileSync } from 'node:fs';
import type { LoadResult } from './load.js';
import type { OpenLoopResult } from './open-loop.js';

export type Verdict = 'PASS' | 'FAIL' | 'INVALID';
/** CPU of a process's threads over a window (bench/lib/children.ts ThreadMeter) */
type ThreadCpu = { seconds: number; mainCpuS: number; mainUserS: number; mainKernelS: number; busiestCpuS: number[]; restCpuS: number };
export type Measured = LoadResult & { cpu: Record<string, number | null> };
export type Scheduled = OpenLoopResult & { cpu: Record<string, number | null> };
/** a session check at a fixed rate during a sign-in storm */
export interface StormCheck {
  me: Scheduled;
  achievedRate: number;
  storm: LoadResult;
  stormWindow: { seconds: number; loginsPerSecond: number; ok2xx: number; status503: number; other: number };
}
/** one product's figures in the peer comparison (p) */
export interface PeerSide {
  signUp: Measured;
  signUpPerSecond: number;
  signIn: Measured;
  signInPerSecond: number;
  check: Measured;
  checkPerSecond: number;
  storm: StormCheck;
}
interface ScaleRun {
  me: Measured;
  mePerSecond: number;
  login: Measured;
  loginsPerSecond: number;
}
/** one provider's authorization-code redemption run (o) */
export interface OidcCodeSide {
  run: Measured;
  perSecond: number;
  /** codes prepared (each redeemed once), and how fast the authorization flow gave them */
  codes: number;
  mintPerSecond: number;
  mintSeconds: number;
}
interface Rss {
  peakMiB: number;
  meanMiB: number;
}

export interface RawArgon2 {
  perSecond: number;
  verifications: number;
  seconds: number;
  latencyMs: { p50: number; p99: number };
  cpuCores: number;
  hashPrefix: string;
  /** CPU used by everything else on the machine meanwhile (measured by the bench) */
  otherCores?: number | null;
}

export interface EngineReport {
  engine: 'postgres' | 'embedded';
  describe: string;
  server: string;
  readyMs: number;
  /** per scenario: how long the bench waited for other work on the machine to stop, and what was left */
  quiet?: Record<string, { waitedMs: number; busyCores: number }>;
  /** per scenario: how many times it was measured (again when other processes disturbed it) */
  attempts?: Record<string, number>;
  a?: {
    me: Measured;
    /** /me measured again after the warn twin (PostgreSQL): /me's figure is the mean of both */
    meAgain?: Measured | null;
    meReference?: number;
    bare: Measured;
    /** bare measured again after /me: the reference is the mean of both (the host's speed drifts) */
    bareAfter?: Measured;
    bareReference?: number;
    ratio: number;
    target: number;
    result: Verdict;
    /** Gatehouse's resident memory during its /me load */
    rss?: Rss;
    /** /me on a second Gatehouse at LOG_LEVEL=warn (PostgreSQL), and the access log's cost */
    meWarn?: Measured | null;
    logCost?: number | null;
    logCostResult?: Verdict | null;
    /** Better Auth's get-session under the same load, with its memory (PostgreSQL) */
    betterAuth?: { run: Measured; rss: Rss } | null;
    rssResult?: Verdict | null;
  };
  b?: {
    login: Measured;
    loginsPerSecond: number;
    raw: RawArgon2;
    rawRuns?: RawArgon2[];
    /** the same load against a hash-only HTTP server: the ceiling on this machine (reported, not judged) */
    hashOnly?: { run: Measured; perSecond: number; ratio: number; threads?: ThreadCpu | null };
    /** logins ÷ the hash-only server */
    ratio: number;
    target: number;
    result: Verdict;
    /** CPU over the measured window: event loop, the busiest other threads (the hashing threads), the rest */
    threads?: ThreadCpu | null;
    loopMsPerLogin?: number;
    loopResult?: Verdict;
    hashMsPerLogin?: number;
    rawMsPerVerify?: number;
    hashResult?: Verdict;
  };
  c?: {
    me: Scheduled;
    achievedRate: number;
    storm: LoadResult;
    stormWindow: { seconds: number; loginsPerSecond: number; ok2xx: number; status503: number; other: number };
    queueFull: boolean;
    target: number;
    result: Verdict;
  };
  d?: {
    me: Scheduled;
    achievedRate: number;
    target: number;
    result: Verdict;
  };
  /** Gatehouse against Better Auth, same PostgreSQL, same loads (PostgreSQL engine only) */
  p?: {
    gatehouse: PeerSide;
    betterAuth: PeerSide;
    /** Better Auth's get-session with its cookie cache on (reported apart: it no longer reads the session) */
    betterAuthCookieCache: { check: Measured; checkPerSecond: number } | null;
    /** Gatehouse ÷ Better Auth */
    ratios: { signUp: number; signIn: number; check: number; checkVsCookieCache: number | null };
    targets: { signIn: number; check: number; checkP99Ms: number; stormP99Ms: number };
    signInResult: Verdict;
    checkResult: Verdict;
    stormResult: Verdict;
  };
  /** the OpenID Connect token endpoint against a bare oidc-provider, same load */
  o?: {
    connections: number;
    /** the access tokens both issue for client credentials (checked equal before measuring) */
    shapes: { gatehouse: { alg: string; typ: string; claims: string[] }; bare: { alg: string; typ: string; claims: string[] } };
    clientCredentials: { gatehouse: Measured; bare: Measured; bareAfter: Measured; gatehousePerSecond: number; bareReference: number; ratio: number; target: number; result: Verdict };
    codes: { gatehouse: OidcCodeSide; bare: OidcCodeSide; bareAfter: OidcCodeSide; bareReference: number; ratio: number; target: number; result: Verdict };
  };
  /** one instance against three (PostgreSQL engine only) */
  s?: {
    spread: string;
    connections: { me: number; login: number };
    one: ScaleRun;
    three: ScaleRun;
    meScale: number;
    loginScale: number;
  };
  /** webhooks: delivery latency at a paced rate of sign-ups, and sign-ups/s with and without an endpoint */
  w?: {
    events: number;
    rate: number;
    connections: number;
    receiver: string;
    /** the paced sign-ups (latency from each one's due time) */
    paced: Scheduled;
    pacedDelivery: { delivered: number; expected: number; duplicates: number; unverified: number; achievedRate: number; lastAfterLoadS: number };
    /** event timestamp → receipt, over the distinct deliveries */
    latencyMs: { p50: number; p90: number; p99: number; max: number; count: number };
    targets: { p99Ms: number; keep: number };
    latencyResult: Verdict;
    /**
     * the same pace of events that cost no password hash: profile updates (PATCH /auth/me) by
     * users signed in beforehand, delivered as user.updated — the delivery pipeline at the target's
     * rate on a host that cannot sign up that many users per second
     */
    updates: {
      paced: Scheduled;
      delivery: { delivered: number; expected: number; duplicates: number; unverified: number; achievedRate: number; lastAfterLoadS: number };
      latencyMs: { p50: number; p90: number; p99: number; max: number; count: number };
      latencyResult: Verdict;
    };
    without: Measured;
    withEndpoint: Measured;
    withoutAfter: Measured;
    withoutReference: number;
    withPerSecond: number;
    /** with ÷ the mean of both runs without */
    ratio: number;
    /** the run with the endpoint: sign-ups to deliver (warm-up included), delivered, seconds after the load until the last arrived */
    backlog: { expected: number; delivered: number; drainS: number; unverified: number };
    throughputResult: Verdict;
  };
}

export interface RunReport {
  date: string;
  machine: { cpuModel: string; cpuCount: number; availableParallelism: number; totalMemoryGiB: number; os: string; node: string; loadAverageAtStart: number[] };
  git: string;
  server: string;
  settings: Record<string, string>;
  argon2: { memoryKib: number; timeCost: number; parallelism: number };
  hashConcurrency: number;
  hashQueueMax: number;
  load: Record<string, number | string>;
  engines: EngineReport[];
  /** the installed better-auth package */
  betterAuthVersion?: string;
  notes: string[];
  totalSeconds: number;
}

const ENGINE_LABEL = { postgres: 'PostgreSQL+Redis', embedded: 'embedded (PGlite)' } as const;
const n0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const n1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const n2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const cores = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
/** "1.80 (loop 0.62)": the whole process and its event-loop thread */
const srv = (cpu: Record<string, number | null>, k: string) =>
  cpu[`${k}MainThreadCores`] === null || cpu[`${k}MainThreadCores`] === undefined ? cores(cpu[`${k}Cores`]) : `${cores(cpu[`${k}Cores`])} (loop ${cores(cpu[`${k}MainThreadCores`])})`;
/** CPU milliseconds per operation */
const perOp = (coresUsed: number | null | undefined, perSecond: number) => (coresUsed === null || coresUsed === undefined || !perSecond ? '–' : ((coresUsed * 1000) / perSecond).toFixed(2));
const statuses = (r: LoadResult) =>
  Object.entries(r.statusCounts)
    .map(([s, c]) => `${s}×${c}`)
    .join(', ') || 'none';

/** a fixed-rate check's p99, or how many timed out when more than 1 % did (p99 is then beyond the timeout) */
function checkP99(sc: StormCheck, timeoutS: number | string | undefined): string {
  const m = sc.me;
  if (m.errors > 0.01 * m.sent)
    return `p99 > ${timeoutS ?? '?'} s (${m.errors} of ${m.sent} timed out or failed${m.responses ? `; p50 of the ${m.responses} answered ${n1(m.latencyMs.p50)} ms` : ', none answered'})`;
  return `p99 ${n1(m.latencyMs.p99)} ms (p50 ${n1(m.latencyMs.p50)})`;
}
const sumCores = (cpu: Record<string, number | null>, keys: string[], suffix = 'Cores') => keys.reduce((t, k) => t + (cpu[`${k}${suffix}`] ?? 0), 0);

function summaryRows(run: RunReport): string[][] {
  const rows: string[][] = [];
  for (const e of run.engines) {
    const label = ENGINE_LABEL[e.engine];
    const note = e.engine === 'embedded' ? ' (target stated for PostgreSQL+Redis; for reference)' : '';
    if (e.a) {
      rows.push([label, '(a) /me req/s ≥ 0.6 × bare Fastify, at LOG_LEVEL=info' + (e.engine === 'embedded' ? note : ''), `${n0(e.a.meReference ?? e.a.me.perSecond)} vs ${n0(e.a.bareReference ?? e.a.bare.perSecond)} req/s = ${n2(e.a.ratio)}×`, e.a.result]);
      if (e.a.meWarn && e.a.logCost !== null && e.a.logCost !== undefined)
        rows.push([label, '(a) the access log costs < 10 % of /me', `${n0(e.a.meReference ?? e.a.me.perSecond)} req/s at info vs ${n0(e.a.meWarn.perSecond)} at warn = ${n1(100 * e.a.logCost)} %`, e.a.logCostResult ?? 'FAIL']);
      if (e.a.rss)
        rows.push([
          label,
          '(a) peak RSS under the /me load ≤ Better Auth\'s (get-session, same load)',
          e.a.betterAuth ? `${n1(e.a.rss.peakMiB)} MiB vs ${n1(e.a.betterAuth.rss.peakMiB)} MiB` : `${n1(e.a.rss.peakMiB)} MiB (Better Auth is measured on PostgreSQL)`,
          e.a.rssResult ?? 'n/a',
        ]);
    }
    if (e.b) {
      const ceiling = e.b.hashOnly?.perSecond ?? NaN;
      rows.push([label, '(b) logins/s ≥ 0.8 × the hash-only server (same load)', `${n1(e.b.loginsPerSecond)} vs ${n1(ceiling)} /s = ${n2(e.b.ratio)}× (raw argon2id ${n1(e.b.raw.perSecond)} /s)`, e.b.result]);
      if (e.b.loopMsPerLogin !== undefined) rows.push([label, '(b) event-loop CPU per login ≤ 2 ms', `${n2(e.b.loopMsPerLogin)} ms`, e.b.loopResult ?? 'FAIL']);
      if (e.b.hashMsPerLogin !== undefined)
        rows.push([label, '(b) hashing threads\' CPU per login within 10 % of a raw verification', `${n2(e.b.hashMsPerLogin)} vs ${n2(e.b.rawMsPerVerify ?? NaN)} ms = ${n2((e.b.hashMsPerLogin ?? NaN) / (e.b.rawMsPerVerify ?? NaN))}×`, e.b.hashResult ?? 'FAIL']);
    }
    if (e.c)
      rows.push([
        label,
        '(c) /me p99 < 50 ms at 200 req/s during a login storm',
        `p99 ${n1(e.c.me.latencyMs.p99)} ms (p50 ${n1(e.c.me.latencyMs.p50)}), ${n1(e.c.achievedRate)} req/s, ${e.c.me.non2xx} non-2xx`,
        e.c.result,
      ]);
    if (e.d)
      rows.push([
        label,
        '(d) /me p99 < 20 ms at 200 req/s alone',
        `p99 ${n1(e.d.me.latencyMs.p99)} ms (p50 ${n1(e.d.me.latencyMs.p50)}, max ${n1(e.d.me.latencyMs.max)}), ${n1(e.d.achievedRate)} req/s, ${e.d.me.non2xx} non-2xx`,
        e.d.result,
      ]);
    if (e.p) {
      const p = e.p;
      const G = p.gatehouse;
      const B = p.betterAuth;
      rows.push([label, '(p) sign-ups/s against Better Auth (reported, no target)', `${n1(G.signUpPerSecond)} vs ${n1(B.signUpPerSecond)} /s = ${n2(p.ratios.signUp)}×`, 'n/a']);
      rows.push([label, `(p) sign-ins/s ≥ ${p.targets.signIn} × Better Auth's (argon2id OWASP defaults vs its default scrypt)`, `${n1(G.signInPerSecond)} vs ${n1(B.signInPerSecond)} /s = ${n2(p.ratios.signIn)}×`, p.signInResult]);
      rows.push([
        label,
        `(p) session check req/s ≥ ${p.targets.check} × Better Auth's get-session (cookie cache off), Gatehouse p99 < ${p.targets.checkP99Ms} ms`,
        `${n0(G.checkPerSecond)} vs ${n0(B.checkPerSecond)} req/s = ${n1(p.ratios.check)}×; p99 ${n1(G.check.latencyMs.p99)} vs ${n1(B.check.latencyMs.p99)} ms`,
        p.checkResult,
      ]);
      rows.push([
        label,
        `(p) session check p99 < ${p.targets.stormP99Ms} ms at ${G.storm.me.rate} req/s during a sign-in storm`,
        `Gatehouse ${checkP99(G.storm, run.load.stormCheckTimeoutS)}; Better Auth ${checkP99(B.storm, run.load.stormCheckTimeoutS)}`,
        p.stormResult,
      ]);
      if (p.betterAuthCookieCache)
        rows.push([label, '(p) for reference: against Better Auth with its cookie cache on (it then skips the database for 5 min)', `${n0(G.checkPerSecond)} vs ${n0(p.betterAuthCookieCache.checkPerSecond)} req/s = ${n1(p.ratios.checkVsCookieCache ?? NaN)}×`, 'n/a']);
    }
    if (e.o) {
      const o = e.o;
      rows.push([label, `(o) client-credentials tokens/s ≥ ${o.clientCredentials.target} × a bare oidc-provider`, `${n0(o.clientCredentials.gatehousePerSecond)} vs ${n0(o.clientCredentials.bareReference)} /s = ${n2(o.clientCredentials.ratio)}×`, o.clientCredentials.result]);
      rows.push([label, `(o) authorization codes redeemed/s ≥ ${o.codes.target} × a bare oidc-provider`, `${n0(o.codes.gatehouse.perSecond)} vs ${n0(o.codes.bareReference)} /s = ${n2(o.codes.ratio)}×`, o.codes.result]);
    }
    if (e.w) {
      const w = e.w;
      rows.push([
        label,
        `(w) webhook delivery p99 < ${w.targets.p99Ms / 1000} s (event → receipt) at ${w.rate} sign-ups/s`,
        `p99 ${n0(w.latencyMs.p99)} ms (p50 ${n0(w.latencyMs.p50)}, max ${n0(w.latencyMs.max)}), ${w.pacedDelivery.delivered} of ${w.pacedDelivery.expected} delivered, ${n1(w.pacedDelivery.achievedRate)} events/s achieved`,
        w.latencyResult,
      ]);
      const u = w.updates;
      rows.push([
        label,
        `(w) webhook delivery p99 < ${w.targets.p99Ms / 1000} s (event → receipt) at ${w.rate} profile updates/s (user.updated; no password hash per event)`,
        `p99 ${n0(u.latencyMs.p99)} ms (p50 ${n0(u.latencyMs.p50)}, max ${n0(u.latencyMs.max)}), ${u.delivery.delivered} of ${u.delivery.expected} delivered, ${n1(u.delivery.achievedRate)} events/s achieved`,
        u.latencyResult,
      ]);
      rows.push([
        label,
        `(w) sign-ups/s with an endpoint subscribed ≥ ${w.targets.keep} × without`,
        `${n1(w.withPerSecond)} vs ${n1(w.withoutReference)} /s = ${n2(w.ratio)}×; backlog ${w.backlog.delivered} of ${w.backlog.expected} delivered ${n1(w.backlog.drainS)} s after the load`,
        w.throughputResult,
      ]);
    }
    if (e.s) {
      rows.push([label, '(s) GET /me req/s, 3 instances against 1 (2 CPUs; reported, no target)', `${n0(e.s.one.mePerSecond)} → ${n0(e.s.three.mePerSecond)} req/s = ${n2(e.s.meScale)}×`, 'n/a']);
      rows.push([label, '(s) sign-ins/s, 3 instances against 1 (reported, no target)', `${n1(e.s.one.loginsPerSecond)} → ${n1(e.s.three.loginsPerSecond)} /s = ${n2(e.s.loginScale)}×`, 'n/a']);
    }
  }
  return rows;
}

export function printSummary(run: RunReport): void {
  console.log('');
  for (const e of run.engines) {
    console.log(`== ${ENGINE_LABEL[e.engine]} — ${e.describe}`);
    const table: Record<string, Record<string, string>> = {};
    if (e.a) {
      for (const [k, r, server] of [['(a) GET /me', e.a.me, 'gatehouse'], ['(a) bare Fastify', e.a.bare, 'bare'], ...(e.a.bareAfter ? [['(a) bare, after', e.a.bareAfter, 'bare'] as const] : [])] as const)
        table[k] = { 'per s': n0(r.perSecond), 'p50 ms': n2(r.latencyMs.p50), 'p99 ms': n2(r.latencyMs.p99), 'non-2xx': String(r.non2xx), 'server cores': srv(r.cpu, server), 'client cores': cores(r.cpu.loadGeneratorCores), 'other cores': cores(r.cpu.otherCores) };
      table['(a) ratio'] = { 'per s': `${n2(e.a.ratio)}× ${e.a.result}` };
    }
    if (e.b) {
      table['(b) POST /login'] = { 'per s': n1(e.b.loginsPerSecond), 'p50 ms': n1(e.b.login.latencyMs.p50), 'p99 ms': n1(e.b.login.latencyMs.p99), 'non-2xx': String(e.b.login.non2xx), 'server cores': srv(e.b.login.cpu, 'gatehouse'), 'pg cores': cores(e.b.login.cpu.postgresCores), 'other cores': cores(e.b.login.cpu.otherCores) };
      if (e.b.hashOnly) table['(b) hash-only HTTP'] = { 'per s': n1(e.b.hashOnly.perSecond), 'p50 ms': n1(e.b.hashOnly.run.latencyMs.p50), 'p99 ms': n1(e.b.hashOnly.run.latencyMs.p99), 'non-2xx': String(e.b.hashOnly.run.non2xx), 'server cores': srv(e.b.hashOnly.run.cpu, 'hashOnly'), 'other cores': cores(e.b.hashOnly.run.cpu.otherCores) };
      table['(b) raw argon2id verify'] = { 'per s': n1(e.b.raw.perSecond), 'p50 ms': n1(e.b.raw.latencyMs.p50), 'p99 ms': n1(e.b.raw.latencyMs.p99), 'server cores': cores(e.b.raw.cpuCores) };
      table['(b) ratio'] = { 'per s': `${n2(e.b.ratio)}× ${e.b.result}` };
    }
    if (e.c) {
      table['(c) /me @200 during storm'] = { 'per s': n1(e.c.achievedRate), 'p50 ms': n2(e.c.me.latencyMs.p50), 'p99 ms': n2(e.c.me.latencyMs.p99), 'non-2xx': String(e.c.me.non2xx), 'server cores': srv(e.c.me.cpu, 'gatehouse'), 'pg cores': cores(e.c.me.cpu.postgresCores), 'client cores': cores(e.c.me.cpu.loadGeneratorCores), 'other cores': cores(e.c.me.cpu.otherCores) };
      table['(c) storm logins'] = { 'per s': n1(e.c.stormWindow.loginsPerSecond), 'non-2xx': `${e.c.stormWindow.status503} × 503` };
      table['(c) verdict'] = { 'per s': `p99 < 50 ms: ${e.c.result}` };
    }
    if (e.p) {
      for (const [who, x, k] of [['Gatehouse', e.p.gatehouse, 'gatehouse'], ['Better Auth', e.p.betterAuth, 'betterAuth']] as const) {
        for (const [phase, r] of [['sign-up', x.signUp], ['sign-in', x.signIn], ['session check', x.check]] as const)
          table[`(p) ${who} ${phase}`] = { 'per s': n1(r.ok2xx / r.durationS), 'p50 ms': n2(r.latencyMs.p50), 'p99 ms': n2(r.latencyMs.p99), 'non-2xx': String(r.non2xx), 'server cores': srv(r.cpu, k), 'client cores': cores(r.cpu.loadGeneratorCores), 'other cores': cores(r.cpu.otherCores) };
        const st = x.storm.me;
        table[`(p) ${who} check @${st.rate} in storm`] = { 'per s': n1(x.storm.achievedRate), 'p50 ms': n2(st.latencyMs.p50), 'p99 ms': n2(st.latencyMs.p99), 'non-2xx': `${st.non2xx} (+${st.errors} errors)`, 'server cores': srv(st.cpu, k), 'other cores': cores(st.cpu.otherCores) };
      }
      if (e.p.betterAuthCookieCache) {
        const r = e.p.betterAuthCookieCache.check;
        table['(p) Better Auth check, cookie cache'] = { 'per s': n1(e.p.betterAuthCookieCache.checkPerSecond), 'p50 ms': n2(r.latencyMs.p50), 'p99 ms': n2(r.latencyMs.p99), 'non-2xx': String(r.non2xx), 'server cores': srv(r.cpu, 'betterAuth'), 'other cores': cores(r.cpu.otherCores) };
      }
    }
    if (e.s) {
      for (const [n, x, keys] of [[1, e.s.one, ['g1']], [3, e.s.three, ['g1', 'g2', 'g3']]] as const) {
        table[`(s) /me ×${n}`] = { 'per s': n0(x.mePerSecond), 'p50 ms': n2(x.me.latencyMs.p50), 'p99 ms': n2(x.me.latencyMs.p99), 'non-2xx': String(x.me.non2xx), 'server cores': n2(sumCores(x.me.cpu, [...keys])), 'client cores': cores(x.me.cpu.loadGeneratorCores), 'other cores': cores(x.me.cpu.otherCores) };
        table[`(s) /login ×${n}`] = { 'per s': n1(x.loginsPerSecond), 'p50 ms': n1(x.login.latencyMs.p50), 'p99 ms': n1(x.login.latencyMs.p99), 'non-2xx': String(x.login.non2xx), 'server cores': n2(sumCores(x.login.cpu, [...keys])), 'pg cores': cores(x.login.cpu.postgresCores), 'other cores': cores(x.login.cpu.otherCores) };
      }
    }
    if (e.o) {
      const o = e.o;
      const row = (r: Measured, k: string) => ({ 'per s': n0(r.ok2xx / r.durationS), 'p50 ms': n2(r.latencyMs.p50), 'p99 ms': n2(r.latencyMs.p99), 'non-2xx': String(r.non2xx), 'server cores': srv(r.cpu, k), 'pg cores': cores(r.cpu.postgresCores), 'client cores': cores(r.cpu.loadGeneratorCores), 'other cores': cores(r.cpu.otherCores) });
      table['(o) cc bare'] = row(o.clientCredentials.bare, 'oidcBare');
      table['(o) cc Gatehouse'] = row(o.clientCredentials.gatehouse, 'gatehouse');
      table['(o) cc bare again'] = row(o.clientCredentials.bareAfter, 'oidcBare');
      table['(o) code bare'] = row(o.codes.bare.run, 'oidcBare');
      table['(o) code Gatehouse'] = row(o.codes.gatehouse.run, 'gatehouse');
      table['(o) code bare again'] = row(o.codes.bareAfter.run, 'oidcBare');
      table['(o) ratios'] = { 'per s': `cc ${n2(o.clientCredentials.ratio)}× ${o.clientCredentials.result}, code ${n2(o.codes.ratio)}× ${o.codes.result}` };
    }
    if (e.w) {
      const p = e.w.paced;
      table[`(w) sign-ups on a ${e.w.rate}/s schedule`] = { 'per s': `${p.ok2xx} of ${p.sent} 2xx`, 'p50 ms': n1(p.latencyMs.p50), 'p99 ms': n1(p.latencyMs.p99), 'non-2xx': `${p.non2xx} (+${p.errors} errors)`, 'server cores': srv(p.cpu, 'gatehouse'), 'pg cores': cores(p.cpu.postgresCores), 'client cores': cores(p.cpu.loadGeneratorCores), 'other cores': cores(p.cpu.otherCores) };
      for (const [k, r] of [['(w) sign-ups, no endpoint', e.w.without], ['(w) sign-ups, endpoint', e.w.withEndpoint], ['(w) sign-ups, disabled', e.w.withoutAfter]] as const)
        table[k] = { 'per s': n1(r.ok2xx / r.durationS), 'p50 ms': n1(r.latencyMs.p50), 'p99 ms': n1(r.latencyMs.p99), 'non-2xx': String(r.non2xx), 'server cores': srv(r.cpu, 'gatehouse'), 'pg cores': cores(r.cpu.postgresCores), 'client cores': cores(r.cpu.loadGeneratorCores), 'other cores': cores(r.cpu.otherCores) };
      table['(w) delivery event → receipt'] = { 'per s': n1(e.w.pacedDelivery.achievedRate), 'p50 ms': n1(e.w.latencyMs.p50), 'p99 ms': n1(e.w.latencyMs.p99), 'non-2xx': `${e.w.pacedDelivery.delivered}/${e.w.pacedDelivery.expected} delivered` };
      const u = e.w.updates;
      table[`(w) updates on a ${e.w.rate}/s schedule`] = { 'per s': `${u.paced.ok2xx} of ${u.paced.sent} 2xx`, 'p50 ms': n1(u.paced.latencyMs.p50), 'p99 ms': n1(u.paced.latencyMs.p99), 'non-2xx': `${u.paced.non2xx} (+${u.paced.errors} errors)`, 'server cores': srv(u.paced.cpu, 'gatehouse'), 'pg cores': cores(u.paced.cpu.postgresCores), 'client cores': cores(u.paced.cpu.loadGeneratorCores), 'other cores': cores(u.paced.cpu.otherCores) };
      table['(w) update → receipt'] = { 'per s': n1(u.delivery.achievedRate), 'p50 ms': n1(u.latencyMs.p50), 'p99 ms': n1(u.latencyMs.p99), 'non-2xx': `${u.delivery.delivered}/${u.delivery.expected} delivered` };
      table['(w) verdicts'] = { 'per s': `latency ${e.w.latencyResult} (updates ${u.latencyResult}), throughput ${n2(e.w.ratio)}× ${e.w.throughputResult}` };
    }
    console.table(table);
  }
  console.log('Summary');
  for (const [engine = '', target = '', measured = '', verdict = ''] of summaryRows(run)) console.log(`  ${verdict.padEnd(7)} ${engine.padEnd(18)} ${target}: ${measured}`);
  console.log('');
}

/** CPU of the processes outside the bench over every measured window: a busy machine is said up front */
function machineBusy(run: RunReport): string {
  const others: number[] = [];
  for (const e of run.engines) {
    const cpus: (Record<string, number | null> | undefined)[] = [
      e.a?.me.cpu, e.a?.bare.cpu, e.a?.bareAfter?.cpu, e.a?.meWarn?.cpu, e.a?.betterAuth?.run.cpu,
      e.b?.login.cpu, e.b?.hashOnly?.run.cpu, e.c?.me.cpu, e.d?.me.cpu,
      e.p?.gatehouse.signUp.cpu, e.p?.gatehouse.signIn.cpu, e.p?.gatehouse.check.cpu, e.p?.gatehouse.storm.me.cpu,
      e.p?.betterAuth.signUp.cpu, e.p?.betterAuth.signIn.cpu, e.p?.betterAuth.check.cpu, e.p?.betterAuth.storm.me.cpu,
      e.s?.one.me.cpu, e.s?.one.login.cpu, e.s?.three.me.cpu, e.s?.three.login.cpu,
      e.w?.without.cpu, e.w?.withEndpoint.cpu, e.w?.withoutAfter.cpu, e.w?.paced.cpu,
      e.o?.clientCredentials.gatehouse.cpu, e.o?.clientCredentials.bare.cpu, e.o?.clientCredentials.bareAfter.cpu,
      e.o?.codes.gatehouse.run.cpu, e.o?.codes.bare.run.cpu, e.o?.codes.bareAfter.run.cpu,
    ];
    for (const cpu of cpus) if (typeof cpu?.otherCores === 'number') others.push(cpu.otherCores);
  }
  const load1 = run.machine.loadAverageAtStart[0] ?? 0;
  const mean = others.length ? others.reduce((t, v) => t + v, 0) / others.length : 0;
  const max = others.length ? Math.max(...others) : 0;
  // the load average at start also counts the minutes before the bench; what other processes used
  // during the measured windows is what decides
  if (mean <= 0.3 && max <= 0.8) {
    return `Quiet during the measurements: processes outside the bench used ${n2(mean)} cores on average over the ${others.length} measured windows (up to ${n2(max)}); load average at start ${load1} on ${run.machine.cpuCount} CPUs.`;
  }
  return (
    `The machine was busy during this run: load average ${load1} at start on ${run.machine.cpuCount} CPUs, and processes outside the bench (other sessions' tests and benchmarks; Redis counts here too) ` +
    `used ${n2(mean)} cores on average over the ${others.length} measured windows (up to ${n2(max)}). Figures are pessimistic and noisier than on a quiet machine; ratios measured back to back suffer less than absolute figures.`
  );
}

function autoNotes(run: RunReport): string[] {
  const notes = [...run.notes];
  const cpusTotal = run.machine.cpuCount;
  for (const e of run.engines) {
    const label = ENGINE_LABEL[e.engine];
    const client = e.a?.bare.cpu.loadGeneratorCores;
    const bareLoop = e.a?.bare.cpu.bareMainThreadCores;
    if (client !== null && client !== undefined && bareLoop !== null && bareLoop !== undefined && client >= 0.8 && bareLoop < 0.85)
      notes.push(
        `${label} (a): the bare server's event loop was only ${bareLoop.toFixed(2)} cores busy while the load generator (autocannon, one thread) used ${client.toFixed(2)} on a ${cpusTotal}-CPU machine: the bare figure is probably client-bound, so the true bare capacity is higher and the ratio is flattered.`,
      );
    if (e.a && cpusTotal <= 2)
      notes.push(
        `${label} (a): on ${cpusTotal} CPUs the servers share the machine with the load generator (≈ ${cores(e.a.me.cpu.loadGeneratorCores)}–${cores(e.a.bare.cpu.loadGeneratorCores)} cores); both event loops ran near one full core, so the ratio reflects CPU per request (≈ ${perOp(e.a.me.cpu.gatehouseMainThreadCores, e.a.me.perSecond / 1000)} µs for /me, ${perOp(e.a.bare.cpu.bareMainThreadCores, e.a.bare.perSecond / 1000)} µs for bare, event-loop CPU per request).`,
      );
    if (e.p && (e.p.signInResult === 'INVALID' || e.p.checkResult === 'INVALID'))
      notes.push(`${label} (p): one side completed no request within its measured window (every response took longer than the window), so a ratio could not be formed; that verdict is INVALID — run again on a quieter machine or with --duration=15.`);
    if (e.w && e.w.latencyResult === 'INVALID')
      notes.push(
        `${label} (w): the sign-ups' events came at ${n1(e.w.pacedDelivery.achievedRate)}/s, short of the ${e.w.rate}/s pace (each sign-up hashes a password with argon2id at the production defaults; ` +
          `closed loop this machine signed up ${n1(e.w.withoutReference)} users/s with no endpoint), so the latency target's rate was not reached: INVALID — the figures are those of the rate achieved.`,
      );
    if (e.c && !e.c.queueFull) notes.push(`${label} (c): no login was refused with 503 "Server Busy", so the hash queue was never shown full; the scenario is INVALID.`);
    if (e.c && e.c.stormWindow.status503 > 0)
      notes.push(
        `${label} (c): ${e.c.storm.connections} storm connections > ${run.hashConcurrency} running + ${run.hashQueueMax} queued hashes, so the excess connections loop on fast 503s (${n0(e.c.stormWindow.status503 / e.c.stormWindow.seconds)}/s during the /me window) — part of the storm's load on the event loop.`,
      );
  }
  for (const e of run.engines) {
    const runs: [string, Record<string, number | null> | undefined][] = [
      ['(a) bare', e.a?.bare.cpu],
      ['(a) /me', e.a?.me.cpu],
      ['(b) login', e.b?.login.cpu],
      ['(c)', e.c?.me.cpu],
      ['(p) Gatehouse sign-in', e.p?.gatehouse.signIn.cpu],
      ['(p) Better Auth sign-in', e.p?.betterAuth.signIn.cpu],
      ['(p) Gatehouse check', e.p?.gatehouse.check.cpu],
      ['(p) Better Auth check', e.p?.betterAuth.check.cpu],
      ['(p) Gatehouse storm', e.p?.gatehouse.storm.me.cpu],
      ['(s) /me ×1', e.s?.one.me.cpu],
      ['(s) /me ×3', e.s?.three.me.cpu],
      ['(s) login ×1', e.s?.one.login.cpu],
      ['(s) login ×3', e.s?.three.login.cpu],
      ['(w) sign-ups, no endpoint', e.w?.without.cpu],
      ['(w) sign-ups, endpoint', e.w?.withEndpoint.cpu],
      ['(w) paced sign-ups', e.w?.paced.cpu],
    ];
    const noisy = runs.filter(([, cpu]) => (cpu?.otherCores ?? 0) > (e.engine === 'postgres' ? 0.35 : 0.2)).map(([k, cpu]) => `${k} ${cores(cpu?.otherCores)}`);
    if (noisy.length)
      notes.push(`${ENGINE_LABEL[e.engine]}: processes outside the bench (Redis included) used CPU during ${noisy.join(', ')} cores: those figures are noisier / pessimistic.`);
  }
  const busy = run.engines.flatMap((e) => Object.entries(e.quiet ?? {}).filter(([, q]) => q.busyCores >= 0.3).map(([k]) => `${ENGINE_LABEL[e.engine]} (${k})`));
  if (busy.length) notes.push(`The machine did not go quiet before ${busy.join(', ')} (other processes kept using CPU): those figures may be pessimistic.`);
  return notes;
}

function writeWebhooks(L: string[], w: NonNullable<EngineReport['w']>): void {
  const d = w.pacedDelivery;
  L.push('### (w) Webhooks: delivery latency and what an endpoint costs sign-ups', '');
  L.push(
    `An endpoint subscribed to \`user.created\` on a local receiver (${w.receiver}); every delivery verified with the \`standardwebhooks\` package. ` +
      `${w.events} sign-ups on a ${w.rate}/s schedule (open loop, at most ${w.connections} in flight): latency from each event's timestamp (set in the transaction that commits the sign-up and queues its delivery) to the receiver's receipt of its first attempt. ` +
      'Then sign-ups closed loop: no endpoint, the endpoint subscribed (its deliveries flowing meanwhile), the endpoint disabled (nothing queued); the reference is the mean of both runs without.',
    '',
  );
  L.push('| Delivery (event → receipt) | value |', '|---|---:|');
  L.push(`| p50 / p90 / p99 / max | ${n0(w.latencyMs.p50)} / ${n0(w.latencyMs.p90)} / **${n0(w.latencyMs.p99)}** / ${n0(w.latencyMs.max)} ms |`);
  L.push(`| delivered / sign-ups answered 2xx / duplicates (retries) / failed verification | ${d.delivered} / ${d.expected} / ${d.duplicates} / ${d.unverified} |`);
  L.push(`| events/s achieved (by their timestamps; pace ${w.rate}/s) | ${n1(d.achievedRate)} |`);
  L.push(`| last delivery after the last sign-up answered | ${n1(d.lastAfterLoadS)} s |`);
  L.push(`| paced sign-ups: p50 / p99 ms from each one's due time; sent / 2xx / non-2xx / errors | ${n1(w.paced.latencyMs.p50)} / ${n1(w.paced.latencyMs.p99)}; ${w.paced.sent} / ${w.paced.ok2xx} / ${w.paced.non2xx} / ${w.paced.errors} |`);
  L.push(`| CPU during the paced sign-ups: Gatehouse / PostgreSQL / load generator and receiver / other | ${srv(w.paced.cpu, 'gatehouse')} / ${cores(w.paced.cpu.postgresCores)} / ${cores(w.paced.cpu.loadGeneratorCores)} / ${cores(w.paced.cpu.otherCores)} cores |`);
  L.push('', `Delivery p99 = **${n0(w.latencyMs.p99)} ms** (target < ${w.targets.p99Ms} ms at ${w.rate} events/s, every delivery arriving and verifying) → **${w.latencyResult}**`, '');
  const u = w.updates;
  L.push(
    `Then ${u.paced.sent} profile updates on the same schedule (PATCH /api/v1/auth/me by users signed in beforehand; the endpoint subscribed to \`user.updated\` too): events that cost no password hash, so the pace holds where sign-ups cannot.`,
    '',
  );
  L.push('| Delivery of the updates (event → receipt) | value |', '|---|---:|');
  L.push(`| p50 / p90 / p99 / max | ${n0(u.latencyMs.p50)} / ${n0(u.latencyMs.p90)} / **${n0(u.latencyMs.p99)}** / ${n0(u.latencyMs.max)} ms |`);
  L.push(`| delivered / updates answered 2xx / duplicates (retries) / failed verification | ${u.delivery.delivered} / ${u.delivery.expected} / ${u.delivery.duplicates} / ${u.delivery.unverified} |`);
  L.push(`| events/s achieved (by their timestamps; pace ${w.rate}/s) | ${n1(u.delivery.achievedRate)} |`);
  L.push(`| CPU during the paced updates: Gatehouse / PostgreSQL / load generator and receiver / other | ${srv(u.paced.cpu, 'gatehouse')} / ${cores(u.paced.cpu.postgresCores)} / ${cores(u.paced.cpu.loadGeneratorCores)} / ${cores(u.paced.cpu.otherCores)} cores |`);
  L.push('', `Delivery p99 of the updates = **${n0(u.latencyMs.p99)} ms** (target < ${w.targets.p99Ms} ms at ${w.rate} events/s) → **${u.latencyResult}**`, '');
  L.push('| Sign-ups (closed loop) | per second | p50 ms | p99 ms | max ms | statuses | errors | server cores | PostgreSQL cores | client cores | other cores |', '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
  L.push(measuredRow('no endpoint', w.without, 'gatehouse'));
  L.push(measuredRow('an endpoint subscribed to user.created', w.withEndpoint, 'gatehouse'));
  L.push(measuredRow('the endpoint disabled', w.withoutAfter, 'gatehouse'));
  L.push(
    '',
    `Sign-ups/s with the endpoint ÷ the mean without = ${n1(w.withPerSecond)} ÷ ${n1(w.withoutReference)} = **${n2(w.ratio)}×** (target ≥ ${w.targets.keep}×, every delivery arriving) → **${w.throughputResult}**. ` +
      `Deliveries of that run (warm-up included): ${w.backlog.delivered} of ${w.backlog.expected}, the last ${n1(w.backlog.drainS)} s after the load stopped; ${w.backlog.unverified} failed verification.`,
    '',
  );
}

function measuredRow(name: string, r: Measured, k: string): string {
  return `| ${name} | ${n1(r.ok2xx / r.durationS)} | ${n2(r.latencyMs.p50)} | ${n2(r.latencyMs.p99)} | ${n1(r.latencyMs.max)} | ${statuses(r)} | ${r.errors} | ${srv(r.cpu, k)} | ${cores(r.cpu.postgresCores)} | ${cores(r.cpu.loadGeneratorCores)} | ${cores(r.cpu.otherCores)} |`;
}

function writePeer(L: string[], run: RunReport, p: NonNullable<EngineReport['p']>): void {
  const G = p.gatehouse;
  const B = p.betterAuth;
  const timeoutS = run.load.stormCheckTimeoutS;
  L.push(`### (p) Gatehouse against Better Auth${run.betterAuthVersion ? ` ${run.betterAuthVersion}` : ''} (same PostgreSQL, same loads, one run)`, '');
  L.push(
    'Better Auth: `better-auth` from npm, email and password, its built-in Kysely/pg adapter on its own fresh database on the same PostgreSQL (pool of 10, as Gatehouse\'s default), ' +
      'NODE_ENV=production, served by Node\'s http module through `toNodeHandler` (bench/better-auth-server.mjs), rate limiting off (as Gatehouse\'s), telemetry off, logger at error; ' +
      'its own migrations (run at its start) create the indexes its performance guide recommends (unique user email and session token; session and account userId; verification identifier). ' +
      'Passwords: each product as it ships — Gatehouse argon2id at its OWASP defaults (above), Better Auth its default scrypt (N=16384, r=16, p=1, 64-byte key, on node:crypto, i.e. libuv\'s thread pool of ' +
      `${run.settings.UV_THREADPOOL_SIZE ?? '4'} threads). Its session cookie cache is off (its default): get-session reads the session from the database on every call, as Gatehouse's /me sees a revoked session within a second. ` +
      'Both sign-up routes create a session. Phases alternate — Gatehouse, then Better Auth — so the host\'s drift touches both alike.',
    '',
  );
  L.push('| Phase (closed loop) | per second | p50 ms | p99 ms | max ms | statuses | errors | server cores | PostgreSQL cores | client cores | other cores |', '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
  L.push(measuredRow(`Gatehouse sign-up, POST /api/v1/auth/register, unique emails, ${G.signUp.connections} connections`, G.signUp, 'gatehouse'));
  L.push(measuredRow(`Better Auth sign-up, POST /api/auth/sign-up/email, unique emails, ${B.signUp.connections} connections`, B.signUp, 'betterAuth'));
  L.push(measuredRow(`Gatehouse sign-in, POST /api/v1/auth/login, one user, ${G.signIn.connections} connections`, G.signIn, 'gatehouse'));
  L.push(measuredRow(`Better Auth sign-in, POST /api/auth/sign-in/email, one user, ${B.signIn.connections} connections`, B.signIn, 'betterAuth'));
  L.push(measuredRow(`Gatehouse session check, GET /api/v1/auth/me with a bearer, ${G.check.connections} connections`, G.check, 'gatehouse'));
  L.push(measuredRow(`Better Auth session check, GET /api/auth/get-session with its cookie, ${B.check.connections} connections`, B.check, 'betterAuth'));
  if (p.betterAuthCookieCache) L.push(measuredRow(`Better Auth get-session, cookie cache ON (second server), ${p.betterAuthCookieCache.check.connections} connections`, p.betterAuthCookieCache.check, 'betterAuth'));
  L.push('');
  L.push(
    `| Session check at a fixed ${G.storm.me.rate} req/s during a sign-in storm (${G.storm.storm.connections} connections) | Gatehouse | Better Auth |`,
    '|---|---:|---:|',
    `| p50 / p99 / p99.9 / max, from each request's due time (answered requests) | ${n2(G.storm.me.latencyMs.p50)} / **${n2(G.storm.me.latencyMs.p99)}** / ${n2(G.storm.me.latencyMs.p999)} / ${n1(G.storm.me.latencyMs.max)} ms | ${n2(B.storm.me.latencyMs.p50)} / **${n2(B.storm.me.latencyMs.p99)}** / ${n2(B.storm.me.latencyMs.p999)} / ${n1(B.storm.me.latencyMs.max)} ms |`,
    `| sent / answered / non-2xx / errors (timeout ${timeoutS} s) | ${G.storm.me.sent} / ${G.storm.me.responses} / ${G.storm.me.non2xx} / ${G.storm.me.errors} | ${B.storm.me.sent} / ${B.storm.me.responses} / ${B.storm.me.non2xx} / ${B.storm.me.errors} |`,
    `| achieved rate of 2xx | ${n1(G.storm.achievedRate)} req/s | ${n1(B.storm.achievedRate)} req/s |`,
    `| storm: sign-ins answered 2xx / 503 during the check window | ${G.storm.stormWindow.ok2xx} / ${G.storm.stormWindow.status503} in ${n1(G.storm.stormWindow.seconds)} s | ${B.storm.stormWindow.ok2xx} / ${B.storm.stormWindow.status503} in ${n1(B.storm.stormWindow.seconds)} s |`,
    `| storm: all statuses, errors, timeouts (whole storm) | ${statuses(G.storm.storm)}; ${G.storm.storm.errors} errors, ${G.storm.storm.timeouts} timeouts | ${statuses(B.storm.storm)}; ${B.storm.storm.errors} errors, ${B.storm.storm.timeouts} timeouts |`,
    `| CPU during the window: server (event loop) / PostgreSQL / load generator / other | ${srv(G.storm.me.cpu, 'gatehouse')} / ${cores(G.storm.me.cpu.postgresCores)} / ${cores(G.storm.me.cpu.loadGeneratorCores)} / ${cores(G.storm.me.cpu.otherCores)} | ${srv(B.storm.me.cpu, 'betterAuth')} / ${cores(B.storm.me.cpu.postgresCores)} / ${cores(B.storm.me.cpu.loadGeneratorCores)} / ${cores(B.storm.me.cpu.otherCores)} |`,
    '',
  );
  L.push(`- Sign-ins: Gatehouse ${n1(G.signInPerSecond)} /s, Better Auth ${n1(B.signInPerSecond)} /s = **${n2(p.ratios.signIn)}×** (target ≥ ${p.targets.signIn}×) → **${p.signInResult}**. CPU per sign-in: Gatehouse ${perOp(G.signIn.cpu.gatehouseCores, G.signInPerSecond)} ms, Better Auth ${perOp(B.signIn.cpu.betterAuthCores, B.signInPerSecond)} ms (whole process, hashing threads included).`);
  L.push(`- Sign-ups (no target): Gatehouse ${n1(G.signUpPerSecond)} /s, Better Auth ${n1(B.signUpPerSecond)} /s = ${n2(p.ratios.signUp)}×.`);
  L.push(
    `- Session checks: Gatehouse ${n0(G.checkPerSecond)} req/s (p99 ${n2(G.check.latencyMs.p99)} ms), Better Auth ${n0(B.checkPerSecond)} req/s (p99 ${n2(B.check.latencyMs.p99)} ms) = **${n1(p.ratios.check)}×** ` +
      `(target ≥ ${p.targets.check}× with Gatehouse's p99 < ${p.targets.checkP99Ms} ms) → **${p.checkResult}**. Event-loop CPU per check: Gatehouse ${perOp(G.check.cpu.gatehouseMainThreadCores, G.checkPerSecond / 1000)} µs, Better Auth ${perOp(B.check.cpu.betterAuthMainThreadCores, B.checkPerSecond / 1000)} µs.` +
      (p.betterAuthCookieCache ? ` With Better Auth's cookie cache on, ${n0(p.betterAuthCookieCache.checkPerSecond)} req/s (ratio ${n1(p.ratios.checkVsCookieCache ?? NaN)}×) — not the same check: it trusts a signed cookie for up to 5 minutes and does not see a revocation in that time.` : ''),
  );
  L.push(`- During the storm: Gatehouse ${checkP99(G.storm, timeoutS)}, Better Auth ${checkP99(B.storm, timeoutS)} (target for Gatehouse < ${p.targets.stormP99Ms} ms, no non-2xx, ≥ 95 % of the rate) → **${p.stormResult}**.`);
  L.push(
    '- Why they differ under the storm: Gatehouse bounds its hash queue (HASH_QUEUE_MAX) and refuses the excess at once with 503 "Server Busy", so a session check never waits behind hashing. ' +
      'Better Auth takes every sign-in and queues its scrypt on libuv\'s thread pool; its get-session verifies the signed session cookie with WebCrypto HMAC, which Node also runs on that pool, ' +
      'so a check waits behind every scrypt queued before it (checked apart from the bench on Node 20: an HMAC sign issued after 8 scrypts of these parameters is answered only once they are done).',
    '',
  );
}

function writeScale(L: string[], run: RunReport, sc: NonNullable<EngineReport['s']>): void {
  L.push('### (s) One Gatehouse instance against three', '');
  L.push(
    `Three instances on 127.0.0.1 share the database, the Redis prefix and SECRETS_KEY (a token issued by the first is checked by the others before the load); each runs with the settings above (HASH_CONCURRENCY = ${run.hashConcurrency} each, so ${3 * run.hashConcurrency} hashing threads in all). ` +
      `Load spread: ${sc.spread} — nginx's own CPU is not in these figures. The same total connections for 1 and 3 instances: ${sc.connections.me} for GET /me, ${sc.connections.login} for POST /login (same user).`,
    '',
  );
  L.push('| Instances, load | per second | p50 ms | p99 ms | max ms | statuses | errors | Gatehouse cores, all instances (event loops) | PostgreSQL cores | client cores | other cores | machine busy |', '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const [n, x, keys] of [[1, sc.one, ['g1']], [3, sc.three, ['g1', 'g2', 'g3']]] as const) {
    for (const [what, r] of [['GET /me', x.me], ['POST /login', x.login]] as const)
      L.push(
        `| ${n} × ${what} | ${n1(r.ok2xx / r.durationS)} | ${n2(r.latencyMs.p50)} | ${n2(r.latencyMs.p99)} | ${n1(r.latencyMs.max)} | ${statuses(r)} | ${r.errors} | ${n2(sumCores(r.cpu, [...keys]))} (${n2(sumCores(r.cpu, [...keys], 'MainThreadCores'))}) | ${cores(r.cpu.postgresCores)} | ${cores(r.cpu.loadGeneratorCores)} | ${cores(r.cpu.otherCores)} | ${r.cpu.machineBusyPct}% |`,
      );
  }
  const cpusTotal = run.machine.cpuCount;
  const g3 = ['g1', 'g2', 'g3'];
  L.push(
    '',
    `- GET /me: ${n0(sc.one.mePerSecond)} → ${n0(sc.three.mePerSecond)} req/s = **${n2(sc.meScale)}×**; sign-ins: ${n1(sc.one.loginsPerSecond)} → ${n1(sc.three.loginsPerSecond)} /s = **${n2(sc.loginScale)}×**.`,
    `- This machine has ${cpusTotal} CPUs, so three instances cannot scale CPU-bound work beyond ${cpusTotal}×, and less when one instance with the load generator (and the other processes) already keeps them busy. ` +
      `GET /me is bound by each instance's event loop: one instance used ${n2(sumCores(sc.one.me.cpu, ['g1'], 'MainThreadCores'))} cores of event loop, three ${n2(sumCores(sc.three.me.cpu, g3, 'MainThreadCores'))} in all, ` +
      `while the load generator (one thread, same CPUs) used ${cores(sc.one.me.cpu.loadGeneratorCores)} → ${cores(sc.three.me.cpu.loadGeneratorCores)} cores, other processes ${cores(sc.one.me.cpu.otherCores)} → ${cores(sc.three.me.cpu.otherCores)}, and the machine was ${sc.one.me.cpu.machineBusyPct}% → ${sc.three.me.cpu.machineBusyPct}% busy. ` +
      `Sign-ins are bound by argon2id: one instance's ${run.hashConcurrency} hashing threads made it use ${n2(sumCores(sc.one.login.cpu, ['g1']))} cores, three instances (${3 * run.hashConcurrency} hashing threads) ${n2(sumCores(sc.three.login.cpu, g3))} cores (machine ${sc.one.login.cpu.machineBusyPct}% → ${sc.three.login.cpu.machineBusyPct}% busy). ` +
      'The limit is the CPUs, not the instances: more instances pay off with more cores or hosts; here they show that instances share sessions and keys, and what splitting the load costs.',
    '',
  );
}

export function writeResults(path: string, run: RunReport): void {
  const L: string[] = [];
  L.push('# Gatehouse benchmark results', '');
  L.push('How to run: `npm run bench` (PostgreSQL+Redis when reachable, then the embedded engine). One engine: `npm run bench -- --engine=embedded|postgres|both`;');
  L.push('longer runs: `--duration=15`. PostgreSQL/Redis default to `postgres://postgres@127.0.0.1:5432/postgres` and `redis://127.0.0.1:6379`');
  L.push('(override with `BENCH_DATABASE_URL`, `BENCH_REDIS_URL`); a fresh `gh_bench_<random>` database and Redis key prefix are created and removed.');
  L.push('Every run overwrites this file; raw figures go to `bench/.last-run.json` (gitignored). Method: see the comment at the top of `bench/run.ts`.', '');

  L.push(`## Summary (${run.date})`, '');
  L.push('| Engine | Target | Measured | Result |', '|---|---|---|---|');
  for (const r of summaryRows(run)) L.push(`| ${r.join(' | ')} |`);
  L.push('');

  const m = run.machine;
  L.push('## Setup', '');
  L.push(`- Date: ${run.date} (whole bench: ${run.totalSeconds} s)`);
  L.push(`- Machine: ${m.cpuModel} × ${m.cpuCount} CPUs (availableParallelism ${m.availableParallelism}), ${m.totalMemoryGiB} GiB RAM, ${m.os}; load average at start ${m.loadAverageAtStart.join(' / ')}`);
  const busy = machineBusy(run);
  if (busy) L.push(busy.startsWith('Quiet') ? `- ${busy}` : `- **${busy}**`);
  L.push(`- Node ${m.node}; autocannon ${run.load.autocannon}; git ${run.git}`);
  L.push(`- Server: ${run.server}, a child process on 127.0.0.1 with its own environment (below), NODE_ENV=production`);
  L.push(`- argon2id: memory ${run.argon2.memoryKib} KiB, time cost ${run.argon2.timeCost}, parallelism ${run.argon2.parallelism} (production defaults from config-schema.ts, not lowered)`);
  L.push(`- HASH_CONCURRENCY = ${run.hashConcurrency} (unset: the default, CPU cores); HASH_QUEUE_MAX = ${run.hashQueueMax}`);
  L.push(`- Settings of the Gatehouse child: ${Object.entries(run.settings).map(([k, v]) => `\`${k}=${v}\``).join(', ')}; SECRETS_KEY random per run`);
  L.push(
    `- Load: autocannon in the bench process, pipelining 1; every run has a ${run.load.warmupS} s warm-up (discarded) then ${run.load.durationS} s measured. ` +
      `(a) ${run.load.me} connections for /me, bare, /me at warn and Better Auth; (b) ${run.load.login} connections; (c) /me at a fixed ${run.load.meRate} req/s (open loop: sent on schedule, latency from each request's due time), ` +
      `storm ${run.load.storm} connections (> ${run.hashConcurrency} running + ${run.hashQueueMax} queued), started ${run.load.warmupS} s before /me; (d) the same fixed-rate /me alone; ` +
      `(p) the same shapes for Gatehouse and Better Auth: sign-ups and sign-ins ${run.load.login} connections, session checks ${run.load.me}, the check at ${run.load.meRate} req/s during a ${run.load.storm}-connection sign-in storm (a check not answered within ${run.load.stormCheckTimeoutS ?? '?'} s counts as an error); ` +
      `(s) ${run.load.scaleMe ?? '?'} connections for /me and ${run.load.scaleLogin ?? '?'} for sign-ins, over 1 then 3 instances; ` +
      `(w) ${run.load.webhookEvents ?? '?'} sign-ups on a ${run.load.webhookRate ?? '?'}/s schedule (open loop, at most ${run.load.webhookPaced ?? '?'} in flight), then sign-ups closed loop over ${run.load.login} connections without, with and again without an endpoint. Every phase is bounded by its duration (storms are stopped after their window).`,
  );
  L.push('- Latency percentiles are exact, over every response of the measured window (autocannon\'s own histogram figures are in the JSON). "cores" = CPU time of that process ÷ wall time (argon2 threads included); "loop" = its event-loop thread alone; "PostgreSQL" = the backends serving the bench database; "other" = the rest of the machine (Redis included) plus the CPU the hypervisor gave to other guests meanwhile (/proc/stat steal); a window whose "other" exceeds 0.3 cores is measured again.', '');

  for (const e of run.engines) {
    L.push(`## ${ENGINE_LABEL[e.engine]}`, '');
    const q = Object.entries(e.quiet ?? {})
      .map(([k, v]) => `(${k}) waited ${(v.waitedMs / 1000).toFixed(1)} s, ${v.busyCores} cores busy`)
      .join('; ');
    const again = Object.entries(e.attempts ?? {}).filter(([, n]) => n > 1).map(([k, n]) => `(${k}) ×${n}`).join(', ');
    L.push(`${e.describe}; ready in ${e.readyMs} ms. Quiet-machine gate before each scenario (last wait): ${q || 'n/a'}.${again ? ` Measured again because other processes disturbed the first attempt: ${again} (the cleaner attempt is shown).` : ''}`, '');
    if (e.a) {
      L.push('### (a) GET /api/v1/auth/me versus a bare Fastify JSON route', '');
      L.push('| Route | req/s | p50 ms | p99 ms | max ms | non-2xx | errors | server cores | PostgreSQL cores | client cores | other cores | machine busy |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      // a run the engine does not have (the warn twin, Better Auth: PostgreSQL only) is left out
      const rows: [string, Measured | null | undefined, string][] = [
        ['GET /api/v1/auth/me (Gatehouse)', e.a.me, 'gatehouse'],
        [e.a.bareAfter ? 'GET /bare (bare Fastify, separate process), before /me' : 'GET /bare (bare Fastify, separate process)', e.a.bare, 'bare'],
        ['GET /bare, after /me', e.a.bareAfter, 'bare'],
        ['GET /api/v1/auth/me, a second Gatehouse at LOG_LEVEL=warn (no access log)', e.a.meWarn, 'gatehouse'],
        ['GET /api/v1/auth/me (Gatehouse) again, after the warn twin', e.a.meAgain, 'gatehouse'],
        ['GET /api/auth/get-session (Better Auth 1.7, PostgreSQL)', e.a.betterAuth?.run, 'betterAuth'],
      ];
      for (const [name, r, k] of rows) {
        if (r) L.push(`| ${name} | ${n0(r.perSecond)} | ${n2(r.latencyMs.p50)} | ${n2(r.latencyMs.p99)} | ${n1(r.latencyMs.max)} | ${r.non2xx} | ${r.errors} | ${srv(r.cpu, k)} | ${cores(r.cpu.postgresCores)} | ${cores(r.cpu.loadGeneratorCores)} | ${cores(r.cpu.otherCores)} | ${r.cpu.machineBusyPct}% |`);
      }
      const reference = e.a.bareAfter ? ` (the reference: the mean of both bare runs, ${n0(e.a.bareReference ?? e.a.bare.perSecond)} req/s)` : '';
      const meRef = e.a.meAgain ? ` over the mean of both /me runs, ${n0(e.a.meReference ?? e.a.me.perSecond)} req/s,` : '';
      L.push('', `Ratio /me ÷ bare = **${n2(e.a.ratio)}×**${meRef}${reference} (target ≥ ${e.a.target}×) → **${e.a.result}**`);
      if (e.a.meWarn && e.a.logCost !== null && e.a.logCost !== undefined) {
        L.push('', `Access log: /me at LOG_LEVEL=info does ${n1(100 * (1 - e.a.logCost))} % of what it does at warn — the log costs **${n1(100 * e.a.logCost)} %** (target < 10 %) → **${e.a.logCostResult}**. Both /me runs at info (before and after the warn twin, which cancels the host's drift) against the twin. Event-loop CPU per request: ${perOp(e.a.me.cpu.gatehouseMainThreadCores, e.a.me.perSecond / 1000)} µs at info, ${perOp(e.a.meWarn.cpu.gatehouseMainThreadCores, e.a.meWarn.perSecond / 1000)} µs at warn.`);
      }
      if (e.a.rss) {
        L.push('', `Resident memory during the /me load: Gatehouse peak ${n1(e.a.rss.peakMiB)} MiB (mean ${n1(e.a.rss.meanMiB)})` + (e.a.betterAuth ? `, Better Auth peak ${n1(e.a.betterAuth.rss.peakMiB)} MiB (mean ${n1(e.a.betterAuth.rss.meanMiB)}) under the same load → **${e.a.rssResult}**` : ''));
      }
      L.push('');
    }
    if (e.b) {
      L.push('### (b) POST /api/v1/auth/login versus raw argon2id verification', '');
      const lc = e.b.login.cpu;
      L.push('| What | per second | p50 ms | p99 ms | non-2xx | process cores | CPU ms per op (process / event loop) | other cores |', '|---|---:|---:|---:|---:|---:|---:|---:|');
      L.push(
        `| logins (POST /login, ${e.b.login.connections} connections, correct password) | ${n1(e.b.loginsPerSecond)} | ${n1(e.b.login.latencyMs.p50)} | ${n1(e.b.login.latencyMs.p99)} | ${e.b.login.non2xx} | ${srv(lc, 'gatehouse')} | ` +
          `${perOp(lc.gatehouseCores, e.b.loginsPerSecond)} / ${perOp(lc.gatehouseMainThreadCores, e.b.loginsPerSecond)} | ${cores(lc.otherCores)} |`,
      );
      for (const [i, r] of (e.b.rawRuns ?? []).entries()) {
        L.push(`| raw verify, ${i === 0 ? 'before' : 'after'} the logins | ${n1(r.perSecond)} | ${n1(r.latencyMs.p50)} | ${n1(r.latencyMs.p99)} | – | ${cores(r.cpuCores)} | ${perOp(r.cpuCores, r.perSecond)} / – | ${r.otherCores === undefined || r.otherCores === null ? '–' : cores(r.otherCores)} |`);
      }
      if (e.b.hashOnly) {
        const h = e.b.hashOnly;
        L.push(
          `| ceiling: the same load against a hash-only HTTP server (Fastify + Gatehouse's PasswordHasher; no database, session or token) | ${n1(h.perSecond)} | ${n1(h.run.latencyMs.p50)} | ${n1(h.run.latencyMs.p99)} | ${h.run.non2xx} | ${srv(h.run.cpu, 'hashOnly')} | ` +
            `${perOp(h.run.cpu.hashOnlyCores, h.perSecond)} / ${perOp(h.run.cpu.hashOnlyMainThreadCores, h.perSecond)} | ${cores(h.run.cpu.otherCores)} |`,
        );
      }
      L.push(`| raw @node-rs/argon2 verify, ${run.hashConcurrency} at once, separate process${e.b.rawRuns ? ' (both runs: the reference)' : ''} | ${n1(e.b.raw.perSecond)} | ${n1(e.b.raw.latencyMs.p50)} | ${n1(e.b.raw.latencyMs.p99)} | – | ${cores(e.b.raw.cpuCores)} | ${perOp(e.b.raw.cpuCores, e.b.raw.perSecond)} / – | ${e.b.raw.otherCores === undefined ? '–' : cores(e.b.raw.otherCores)} |`);
      if (lc.gatehouseCores !== null && lc.gatehouseCores !== undefined) {
        const perLogin = (v: number | null | undefined) => perOp(v ?? 0, e.b!.loginsPerSecond);
        const offLoop = (lc.gatehouseCores ?? 0) - (lc.gatehouseMainThreadCores ?? 0);
        L.push(
          '',
          `CPU per login: Gatehouse ${perLogin(lc.gatehouseCores)} ms (event loop ${perLogin(lc.gatehouseMainThreadCores)} ms, other threads — the argon2 hashing threads, V8 — ${perLogin(offLoop)} ms)` +
            `${e.engine === 'postgres' ? `, PostgreSQL backends ${perLogin(lc.postgresCores)} ms` : ''}; one raw verification costs ${perOp(e.b.raw.cpuCores, e.b.raw.perSecond)} ms. ` +
            `With ${run.hashConcurrency} hashes in flight on ${run.machine.cpuCount} CPUs, CPU spent outside argon2 per login is taken from hashing.`,
        );
      }
      if (e.b.hashOnly) {
        L.push(
          '',
          `Ceiling: the hash-only server reached ${n2(e.b.hashOnly.ratio)}× of raw hashing (HTTP and the load generator sharing the cores with argon2); ` +
            `Gatehouse's sign-ins reached ${n2(e.b.loginsPerSecond / e.b.hashOnly.perSecond)}× of the hash-only server (the cost of its database, Redis, session, token and audit work).`,
        );
      }
      if (e.b.threads) {
        const t = e.b.threads;
        const per = (s: number, n: number) => n2((s * 1000) / n);
        const h = e.b.hashOnly?.threads;
        const hn = e.b.hashOnly?.run.ok2xx ?? NaN;
        L.push(
          '',
          `Threads over the measured logins (${e.b.login.ok2xx}): event loop ${per(t.mainCpuS, e.b.login.ok2xx)} ms per login (user ${per(t.mainUserS, e.b.login.ok2xx)}, kernel ${per(t.mainKernelS, e.b.login.ok2xx)}) → **${e.b.loopResult}** (target ≤ 2 ms)` +
            (h ? `; the hash-only server's event loop: ${per(h.mainCpuS, hn)} ms per login (user ${per(h.mainUserS, hn)}, kernel ${per(h.mainKernelS, hn)})` : '') +
            ` — kernel time on loopback includes the TCP processing of the packets sent to PostgreSQL and Redis, done in the sender's system call; ` +
            `the ${t.busiestCpuS.length} busiest other threads (the hashing threads: ${t.busiestCpuS.map((c) => n2(c / t.seconds)).join(' + ')} cores) ${n2(e.b.hashMsPerLogin ?? NaN)} ms per login against ${n2(e.b.rawMsPerVerify ?? NaN)} ms per raw verification → **${e.b.hashResult}** (target within 10 %); every other thread ${n2((t.restCpuS * 1000) / e.b.login.ok2xx)} ms.`,
        );
      }
      L.push('', `Ratio logins ÷ the hash-only server = **${n2(e.b.ratio)}×** (target ≥ ${e.b.target}×) → **${e.b.result}**; logins ÷ raw verifications = ${n2(e.b.loginsPerSecond / e.b.raw.perSecond)}×. Login statuses: ${statuses(e.b.login)}.`, '');
    }
    if (e.c) {
      const c = e.c;
      L.push('### (c) /me at a fixed 200 req/s during a login storm', '');
      L.push('| /me during the storm | value |', '|---|---:|');
      L.push(`| p50 / p99 / p99.9 / max latency, from each request's due time | ${n2(c.me.latencyMs.p50)} / **${n2(c.me.latencyMs.p99)}** / ${n2(c.me.latencyMs.p999)} / ${n1(c.me.latencyMs.max)} ms |`);
      L.push(`| p50 / p99 from when each request left (what a closed-loop tool reports); the generator's own send lag p99 / max | ${n2(c.me.serviceMs.p50)} / ${n2(c.me.serviceMs.p99)} ms; ${n2(c.me.sendLagMs.p99)} / ${n1(c.me.sendLagMs.max)} ms |`);
      L.push(`| achieved rate (target rate ${c.me.rate}) | ${n1(c.achievedRate)} req/s |`);
      L.push(`| sent / responses / non-2xx / errors | ${c.me.sent} / ${c.me.responses} / ${c.me.non2xx} / ${c.me.errors} |`);
      L.push(`| CPU during the window: Gatehouse / PostgreSQL backends / load generator / other processes | ${srv(c.me.cpu, 'gatehouse')} / ${cores(c.me.cpu.postgresCores)} / ${cores(c.me.cpu.loadGeneratorCores)} / ${cores(c.me.cpu.otherCores)} cores (machine ${c.me.cpu.machineBusyPct}% busy) |`);
      L.push(`| storm: logins/s during the /me window | ${n1(c.stormWindow.loginsPerSecond)} (${c.stormWindow.ok2xx} in ${n1(c.stormWindow.seconds)} s) |`);
      L.push(`| storm: 503 during the window / whole storm | ${c.stormWindow.status503} / ${c.storm.statusCounts['503'] ?? 0} (whole storm: ${c.storm.bodyClasses.server_busy ?? 0} "Server Busy" = hash queue full, ${c.storm.bodyClasses.other_503 ?? 0} other) |`);
      L.push(`| storm: all statuses, errors, timeouts (whole storm, ${n1(c.storm.durationS)} s) | ${statuses(c.storm)}; ${c.storm.errors} errors, ${c.storm.timeouts} timeouts |`);
      L.push('', `/me p99 = **${n2(c.me.latencyMs.p99)} ms** (target < ${c.target} ms, with no non-2xx and ≥ 95% of the rate) → **${c.result}**${c.queueFull ? '' : ' (the queue was never shown full)'}`, '');
    }
    if (e.d) {
      const d = e.d;
      L.push('### (d) /me at a fixed 200 req/s alone', '');
      L.push('| /me alone | value |', '|---|---:|');
      L.push(`| p50 / p99 / p99.9 / max latency, from each request's due time | ${n2(d.me.latencyMs.p50)} / **${n2(d.me.latencyMs.p99)}** / ${n2(d.me.latencyMs.p999)} / ${n1(d.me.latencyMs.max)} ms |`);
      L.push(`| p50 / p99 from when each request left; the generator's send lag p99 / max | ${n2(d.me.serviceMs.p50)} / ${n2(d.me.serviceMs.p99)} ms; ${n2(d.me.sendLagMs.p99)} / ${n1(d.me.sendLagMs.max)} ms |`);
      L.push(`| achieved rate (target rate ${d.me.rate}) / non-2xx / errors | ${n1(d.achievedRate)} req/s / ${d.me.non2xx} / ${d.me.errors} |`);
      L.push(`| CPU: Gatehouse / PostgreSQL backends / load generator / other | ${srv(d.me.cpu, 'gatehouse')} / ${cores(d.me.cpu.postgresCores)} / ${cores(d.me.cpu.loadGeneratorCores)} / ${cores(d.me.cpu.otherCores)} cores |`);
      L.push('', `/me p99 = **${n2(d.me.latencyMs.p99)} ms** (target < ${d.target} ms) → **${d.result}**`, '');
    }
    if (e.p) writePeer(L, run, e.p);
    if (e.s) writeScale(L, run, e.s);
    if (e.o) writeOidc(L, run, e.o);
    if (e.w) writeWebhooks(L, e.w);
  }

  const notes = autoNotes(run);
  if (notes.length) {
    L.push('## Notes', '');
    for (const n of notes) L.push(`- ${n}`);
    L.push('');
  }
  writeFileSync(path, L.join('\n'));
}

function writeOidc(L: string[], run: RunReport, o: NonNullable<EngineReport['o']>): void {
  L.push('### (o) OpenID Connect token endpoint against a bare oidc-provider', '');
  L.push(
    `Both answer POST /oidc/token with client_secret_basic over ${o.connections} connections; the bare provider (bench/oidc-bare-server.mjs) is the same oidc-provider with its in-memory adapter and one static client. ` +
      `Client-credentials tokens: ${o.shapes.gatehouse.typ} ${o.shapes.gatehouse.alg} JWTs with the same claims (${o.shapes.gatehouse.claims.join(', ')}). ` +
      `Codes: got beforehand through each provider's authorization flow (PKCE S256), one redemption each; the reference is the mean of a bare run before and after Gatehouse's. RATE_LIMIT_OIDC_TOKEN_IP=${String(run.settings.RATE_LIMIT_OIDC_TOKEN_IP ?? '?')}.`,
    '',
  );
  L.push('| Run | per second | p50 ms | p99 ms | non-2xx | server cores (loop) | PostgreSQL cores | client cores | other cores |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const row = (name: string, r: Measured, k: string) =>
    L.push(`| ${name} | ${n0(r.ok2xx / r.durationS)} | ${n2(r.latencyMs.p50)} | ${n2(r.latencyMs.p99)} | ${r.non2xx} | ${srv(r.cpu, k)} | ${cores(r.cpu.postgresCores)} | ${cores(r.cpu.loadGeneratorCores)} | ${cores(r.cpu.otherCores)} |`);
  row('client credentials, bare oidc-provider', o.clientCredentials.bare, 'oidcBare');
  row('client credentials, Gatehouse', o.clientCredentials.gatehouse, 'gatehouse');
  row('client credentials, bare again', o.clientCredentials.bareAfter, 'oidcBare');
  const c = o.codes;
  row(`codes redeemed, bare (${c.bare.codes} codes, got at ${n0(c.bare.mintPerSecond)}/s)`, c.bare.run, 'oidcBare');
  row(`codes redeemed, Gatehouse (${c.gatehouse.codes} codes, got at ${n0(c.gatehouse.mintPerSecond)}/s)`, c.gatehouse.run, 'gatehouse');
  row(`codes redeemed, bare again (${c.bareAfter.codes} codes, got at ${n0(c.bareAfter.mintPerSecond)}/s)`, c.bareAfter.run, 'oidcBare');
  L.push(
    '',
    `Client credentials: **${n2(o.clientCredentials.ratio)}×** (${n0(o.clientCredentials.gatehousePerSecond)} vs ${n0(o.clientCredentials.bareReference)} /s; target ≥ ${o.clientCredentials.target}×) → **${o.clientCredentials.result}**. ` +
      `Codes redeemed: **${n2(c.ratio)}×** (${n0(c.gatehouse.perSecond)} vs ${n0(c.bareReference)} /s; target ≥ ${c.target}×) → **${c.result}**.`,
    '',
  );
}
