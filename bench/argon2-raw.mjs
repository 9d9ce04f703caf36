// The reference for target (b): raw argon2id verifications/s of the library Gatehouse uses
// (@node-rs/argon2), same parameters, CONCURRENCY verifications in flight at once (as
// HASH_CONCURRENCY admits in the server). Prints one JSON line on stdout.
import { hash, verify } from '@node-rs/argon2';

const env = (k) => Number(process.env[k]);
const options = { algorithm: 2 /* Argon2id */, memoryCost: env('ARGON2_MEMORY_KIB'), timeCost: env('ARGON2_TIME_COST'), parallelism: env('ARGON2_PARALLELISM') };
const concurrency = env('CONCURRENCY');
const password = process.env.PASSWORD ?? 'Correct-Horse-Battery-42';
const stored = await hash(password, options);

async function loop(untilMs, latencies) {
  let n = 0;
  while (performance.now() < untilMs) {
    const t = performance.now();
    if (!(await verify(stored, password))) throw new Error('verification failed');
    latencies?.push(performance.now() - t);
    n++;
  }
  return n;
}

const warmEnd = performance.now() + env('WARMUP_MS');
await Promise.all(Array.from({ length: concurrency }, () => loop(warmEnd)));

const latencies = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const counts = await Promise.all(Array.from({ length: concurrency }, () => loop(t0 + env('DURATION_MS'), latencies)));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)];
const total = counts.reduce((a, b) => a + b, 0);
process.stdout.write(
  JSON.stringify({
    verifications: total,
    seconds,
    perSecond: total / seconds,
    concurrency,
    latencyMs: { p50: pct(50), p99: pct(99) },
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    hashPrefix: stored.slice(0, stored.lastIndexOf('$', stored.lastIndexOf('$') - 1)),
  }) + '\n',
);
