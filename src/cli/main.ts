#!/usr/bin/env node
/**
 * `gatehouse <command>`: serve (default) · migrate · worker · create-admin · users import ·
 * keys rotate · keys revoke · audit verify.
 * Reads .env and the environment here (an entry point); commands get a validated Config and reuse
 * the same services as the server, so no rule is written twice.
 */
import 'dotenv/config';
import { ConfigError, loadConfig, type Config } from '../config/load-config.js';
import { auditVerify } from './audit-verify.js';
import { createAdmin } from './create-admin.js';
import { keysRevoke } from './keys-revoke.js';
import { keysRotate } from './keys-rotate.js';
import { migrate } from './migrate.js';
import { usersImport } from './users-import.js';
import { worker } from './worker.js';

const USAGE = `Usage: gatehouse <command>

Commands:
  serve                          start the HTTP server (default)
  migrate                        apply database migrations and exit
  worker                         deliver queued mail only (serve does it too unless MAIL_WORKER=off)
  create-admin --email E [--username U] [--password-stdin]
                                 create an admin (password from stdin or a prompt, never argv)
  users import FILE              import accounts from JSON lines (existing password hashes kept;
                                 idempotent; bad lines reported by number, exit 1 if any)
  keys rotate                    add a new signing key; old keys stay published until their tokens expire
  keys revoke KID                emergency: KID leaves JWKS at once and its tokens are refused everywhere
  audit verify                   check the audit trail's hash chain (exit 1 at the first broken link)
`;

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', sub, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { serve } = await import('../server.js');
      await serve(process.env);
      return -1; // keeps running
    }
    case 'migrate':
      return migrate(config());
    case 'worker':
      return worker(config());
    case 'create-admin':
      return createAdmin(config(), [sub, ...rest].filter((a): a is string => a !== undefined));
    case 'users':
      if (sub === 'import') return usersImport(config(), rest);
      break;
    case 'keys':
      if (sub === 'rotate') return keysRotate(config());
      if (sub === 'revoke') return keysRevoke(config(), rest[0]);
      break;
    case 'audit':
      if (sub === 'verify') return auditVerify(config());
      break;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
  }
  process.stderr.write(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
