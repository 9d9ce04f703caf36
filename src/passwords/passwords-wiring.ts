/**
 * The passwords' wiring: the strength policy and the hasher, each with its own threads — made here
 * and stopped at close, unless the caller shares its own (tests: the threads start once per
 * process, and are not stopped here).
 */
import type { Config } from '../config/load-config.js';
import type { Started } from '../lifecycle.js';
import { PasswordHasher, type HasherOptions } from './password-hasher.js';
import { PasswordPolicy } from './password-policy.js';

/** the password hasher's settings, from the config */
export function hasherOptions(config: Pick<Config, 'argon2MemoryKib' | 'argon2TimeCost' | 'argon2Parallelism' | 'hashConcurrency' | 'hashQueueMax'>): HasherOptions {
  return {
    memoryKib: config.argon2MemoryKib,
    timeCost: config.argon2TimeCost,
    parallelism: config.argon2Parallelism,
    concurrency: config.hashConcurrency,
    queueMax: config.hashQueueMax,
  };
}

export interface PasswordsWiring {
  config: Pick<Config, 'passwordMinScore'> & Parameters<typeof hasherOptions>[0];
  /** a policy to share instead of one of our own; not closed here */
  policy?: PasswordPolicy | undefined;
  /** a hasher to share, initialised, instead of one of our own; not closed here */
  hasher?: PasswordHasher | undefined;
  started: Started;
}

export async function wirePasswords({ config, policy: sharedPolicy, hasher: sharedHasher, started }: PasswordsWiring): Promise<{ policy: PasswordPolicy; hasher: PasswordHasher }> {
  let policy = sharedPolicy;
  if (!policy) {
    const own = (policy = new PasswordPolicy(config.passwordMinScore));
    started.add(() => own.close());
  }
  let hasher = sharedHasher;
  if (!hasher) {
    const own = (hasher = new PasswordHasher(hasherOptions(config)));
    started.add(() => own.close());
    // the hash every unknown login is checked against, made now: made on first use, a failure
    // there (a full queue) would answer those logins differently from real ones until a restart
    await own.init();
  }
  return { policy, hasher };
}
