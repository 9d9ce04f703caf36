/**
 * The operator's commands (`gatehouse create-admin`, `users import`, `keys …`, `audit verify`,
 * `migrate`, `secrets rekey`) are carried out here, once: by the CLI process when it can open the
 * database itself, or — on the embedded engine, where one process at a time holds DATA_DIR — by
 * the running server on the CLI's behalf, over its control socket (control-server.ts). Either way
 * a command gets a Workbench (what it may use) and a CommandIo (where its input comes from and its
 * output goes), and returns its exit code.
 */
import type { Readable } from 'node:stream';
import type { AuditService } from '../audit/audit-service.js';
import type { RequestContext } from '../request-context.js';
import type { Services } from '../services.js';

/** one command with its arguments, as parsed by the CLI (and sent over the control socket) */
export type CommandRequest =
  | { command: 'create-admin'; email: string; username: string | null }
  | { command: 'users import'; file: string; size: number }
  | { command: 'keys rotate' }
  | { command: 'keys list' }
  | { command: 'keys revoke'; kid: string }
  | { command: 'audit verify' }
  | { command: 'migrate' }
  | { command: 'secrets rekey' };

export type CommandName = CommandRequest['command'];

export interface CommandIo {
  /** to the user's standard output */
  out(text: string): void;
  /** to the user's standard error */
  err(text: string): void;
  /** the command's input: the password of create-admin, the file of users import; empty for the others */
  stdin: Readable;
  /** whether the user's stdout / stderr are terminals (a table, a progress bar) */
  terminal: { stdout: boolean; stderr: boolean };
}

export interface Workbench {
  /** the instance's services (the CLI opens them on first use; the server has them) */
  services(): Promise<Services>;
  /** the audit service alone: `audit verify` needs no signing keys, no Redis, and never makes up a SECRETS_KEY */
  audit(): Promise<AuditService>;
  /** applies the migrations not applied yet; the names applied */
  migrate(): Promise<string[]>;
  /** who acts: the operator (no user), from the command line */
  ctx: RequestContext;
}

/** the whole input as text, without its final line break */
export async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** a request as received over the control socket, checked field by field; null when it is not one */
export function parseRequest(value: unknown): CommandRequest | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const text = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 1024;
  switch (v.command) {
    case 'create-admin':
      return text(v.email) && (v.username === null || text(v.username)) ? { command: 'create-admin', email: v.email, username: v.username } : null;
    case 'users import':
      return text(v.file) && typeof v.size === 'number' && Number.isSafeInteger(v.size) && v.size >= 0 ? { command: 'users import', file: v.file, size: v.size } : null;
    case 'keys revoke':
      return text(v.kid) ? { command: 'keys revoke', kid: v.kid } : null;
    case 'keys rotate':
    case 'keys list':
    case 'audit verify':
    case 'migrate':
    case 'secrets rekey':
      return { command: v.command };
    default:
      return null;
  }
}
