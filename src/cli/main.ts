#!/usr/bin/env node
/**
 * `gatehouse <command>`: serve (default) · migrate · worker · create-admin · users import ·
 * keys rotate|revoke|list · audit verify · secrets rekey.
 * Reads .env and the environment here (an entry point) and parses the arguments; the commands
 * themselves live in src/commands/ and reuse the services the server uses, so no rule is written
 * twice. On the embedded engine, while a server holds DATA_DIR, a command is carried out by that
 * server over its control socket (DATA_DIR/gatehouse.sock); otherwise this process opens the
 * database itself.
 */
import 'dotenv/config';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import type { CommandIo, CommandRequest } from '../commands/command-io.js';
import { runCommand } from '../commands/commands.js';
import { ConfigError, loadConfig, type Config } from '../config/load-config.js';
import { dataDirHolder } from '../db/data-dir-lock.js';
import { normalizeEmail } from '../users/user-fields.js';
import { ControlSocketUnavailable, runThroughServer } from './control-socket.js';
import { prompt, readStdin } from './input.js';
import { localWorkbench } from './local-workbench.js';
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
  keys list                      the signing keys: kid, algorithm, state (active, published, retired, revoked), created
  keys rotate                    add a new signing key; old keys stay published until their tokens expire
  keys revoke KID                emergency: KID leaves JWKS at once and its tokens are refused everywhere
  audit verify                   check the audit trail's hash chain (exit 1 at the first broken link)
  secrets rekey                  after SECRETS_KEY changed (old one in SECRETS_KEY_PREVIOUS): re-encrypt
                                 every sealed secret and re-key the audit chain

On the embedded database, commands run while the server runs are carried out by it.
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

/** a parsed command and its input, or the exit code of a usage error */
type Invocation = { request: CommandRequest; input: () => Readable } | number;

const noInput = () => Readable.from([]);

async function createAdminInvocation(args: string[]): Promise<Invocation> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, username: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.email) {
    console.error('create-admin: --email is required');
    return 2;
  }
  // the address as every other path stores it (one plain address, lower-cased, NFC), checked
  // before a password is asked for
  let email: string;
  try {
    email = normalizeEmail(values.email);
  } catch {
    console.error('create-admin: --email must be one plain email address (local@domain)');
    return 2;
  }
  let password: string;
  if (values['password-stdin']) password = await readStdin();
  else if (process.stdin.isTTY) {
    password = await prompt('Password: ');
    if ((await prompt('Repeat password: ')) !== password) {
      console.error('Passwords do not match.');
      return 2;
    }
  } else {
    console.error('create-admin: use --password-stdin or run in a terminal (passwords are never read from arguments)');
    return 2;
  }
  return { request: { command: 'create-admin', email, username: values.username ?? null }, input: () => Readable.from([Buffer.from(password)]) };
}

/** the file is read here, whoever carries the import out (a server may not be able to open the user's path) */
async function usersImportInvocation(args: string[]): Promise<Invocation> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error('Usage: gatehouse users import FILE   (JSON lines: one account per line)');
    return 2;
  }
  const file = args[0]!;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a regular file');
    return { request: { command: 'users import', file, size: s.size }, input: () => createReadStream(file) };
  } catch (error) {
    console.error(`users import: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

async function invocation(command: string, sub: string | undefined, rest: string[]): Promise<Invocation | null> {
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'migrate':
      return { request: { command: 'migrate' }, input: noInput };
    case 'users import':
      return usersImportInvocation(rest);
    case 'keys rotate':
      return { request: { command: 'keys rotate' }, input: noInput };
    case 'keys list':
      return { request: { command: 'keys list' }, input: noInput };
    case 'keys revoke':
      if (!rest[0]) {
        console.error('keys revoke: name the key: gatehouse keys revoke <kid> (see gatehouse keys list)');
        return 2;
      }
      return { request: { command: 'keys revoke', kid: rest[0] }, input: noInput };
    case 'audit verify':
      return { request: { command: 'audit verify' }, input: noInput };
    case 'secrets rekey':
      return { request: { command: 'secrets rekey' }, input: noInput };
  }
  if (command === 'create-admin') return createAdminInvocation([sub, ...rest].filter((a): a is string => a !== undefined));
  return null;
}

/** runs the command here, or — embedded DATA_DIR held by a running server — through that server */
async function run(cfg: Config, request: CommandRequest, input: () => Readable): Promise<number> {
  if (!cfg.databaseUrl) {
    // the directory the embedded database lives in (database.ts) and its lock
    const holder = dataDirHolder(resolve(join(cfg.dataDir, 'pglite')));
    if (holder !== null) {
      try {
        return await runThroughServer(cfg.dataDir, request, input());
      } catch (error) {
        if (!(error instanceof ControlSocketUnavailable)) throw error;
        console.error(
          `The embedded database in ${cfg.dataDir} is in use by another Gatehouse process (PID ${holder}), and ${error.message}. ` +
            'Stop that process first, or point both at PostgreSQL (DATABASE_URL).',
        );
        return 2;
      }
    }
  }
  const workbench = localWorkbench(cfg);
  const io: CommandIo = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdin: input(),
    terminal: { stdout: Boolean(process.stdout.isTTY), stderr: Boolean(process.stderr.isTTY) },
  };
  try {
    return await runCommand(workbench, request, io);
  } finally {
    await workbench.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', sub, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      await serve(process.env);
      return -1; // keeps running
    }
    case 'worker':
      return worker(config());
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
  }
  const parsed = await invocation(command, sub, rest);
  if (typeof parsed === 'number') return parsed;
  if (parsed) return run(config(), parsed.request, parsed.input);
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
