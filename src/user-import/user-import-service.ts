/**
 * `gatehouse users import` (docs/operations.md): the rules for one line (a strict schema, email and username
 * normalised as registration does, a password hash in a format sign-in verifies and at a cost
 * within the bounds of passwords/hash-format.ts, known roles) and
 * the import of a batch of checked lines in one transaction. Hashes are stored as they are: the
 * sign-in rehashes them to argon2id at the next successful login. Accounts that exist already
 * (same email or username) are left untouched, so re-running a file changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import { DomainError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { OAuthService } from '../social/social-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { UsersService } from '../users/users-service.js';
import { hashRefusal } from '../passwords/hash-format.js';
import { normalizeEmail, normalizeUsername } from '../users/user-fields.js';
import type { ImportedUser, UserImportRepository } from './user-import-repository.js';
import { ImportLine, type ImportLineValue } from './user-import-schemas.js';

export interface UserImportDeps {
  db: Db;
  repo: UserImportRepository;
  roles: RolesService;
  users: UsersService;
  oauth: OAuthService;
  audit: AuditService;
  clock: Clock;
  /** the role of an account whose line names none (as at registration) */
  defaultRole: string;
}

/** a line that passed the checks, with its line number */
export interface CheckedLine {
  line: number;
  user: ImportedUser;
}

export interface Refusal {
  line: number;
  reason: string;
}

export interface BatchResult {
  imported: number;
  alreadyPresent: number;
  refused: Refusal[];
}

// strict like a request body: no coercion, no defaults, unknown fields refused
const lineCheck = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: false }).compile(ImportLine);

/** the reason a value is refused: the first schema error, named by its field */
function schemaReason(value: unknown): string | null {
  if (lineCheck(value)) return null;
  const first = lineCheck.errors?.[0];
  if (!first) return 'does not match the line format';
  const field = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty: string }).additionalProperty;
    return `unknown field "${field ? `${field}.` : ''}${extra}"`;
  }
  if (first.keyword === 'required') return `${field ? `${field}.` : ''}${(first.params as { missingProperty: string }).missingProperty}: is required`;
  return `${field || 'line'}: ${first.message ?? 'is invalid'}`;
}

export class UserImportService {
  constructor(private readonly d: UserImportDeps) {}

  /** checks and normalises one parsed line; a reason when it cannot be imported */
  async check(line: number, value: unknown): Promise<CheckedLine | Refusal> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, reason: 'not a JSON object' };
    const schemaError = schemaReason(value);
    if (schemaError) return { line, reason: schemaError };
    const v = value as ImportLineValue;
    let email: string;
    let username: string | null;
    try {
      email = normalizeEmail(v.email);
      username = v.username ? normalizeUsername(v.username) : null;
    } catch (error) {
      if (error instanceof DomainError && error.errors?.[0]) return { line, reason: `${error.errors[0].field}: ${error.errors[0].message}` };
      throw error;
    }
    const hash = v.password_hash ?? null;
    // the format sign-in verifies, at a cost it can afford (the same parser as the hasher's)
    const refusal = hash === null ? null : hashRefusal(hash);
    if (refusal) return { line, reason: `password_hash: ${refusal}` };
    const roles = [...new Set(v.roles ?? [this.d.defaultRole])];
    const unknown = await this.d.roles.unknownRoles(roles);
    if (unknown.length > 0) return { line, reason: `roles: unknown role${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `"${r}"`).join(', ')}` };
    const seen = new Set<string>();
    const identities = [];
    for (const i of v.identities ?? []) {
      const key = `${i.provider}\n${i.subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      identities.push({ provider: i.provider, subject: i.subject });
    }
    return {
      line,
      user: { id: randomUUID(), email, username, name: v.name ?? null, passwordHash: hash, emailVerified: v.email_verified ?? false, roles, identities },
    };
  }

  /**
   * Imports checked lines in one transaction: accounts whose email or username exists are counted
   * as already present and left alone; a line whose provider identity is linked to another account
   * (or claimed by an earlier line of the batch) is refused. One `user.created` audit event
   * records the batch (via "import", the ids created), in the same transaction.
   */
  async importBatch(ctx: RequestContext, batch: CheckedLine[]): Promise<BatchResult> {
    if (batch.length === 0) return { imported: 0, alreadyPresent: 0, refused: [] };
    return this.d.db.transaction().execute(async (tx) => {
      const refused: Refusal[] = [];
      let alreadyPresent = 0;
      const linked = await this.d.repo.linkedIdentities(tx, batch.flatMap((b) => b.user.identities));
      const claimed = new Map<string, number>();
      const accepted: ImportedUser[] = [];
      for (const b of batch) {
        const keys = b.user.identities.map((i) => `${i.provider}\n${i.subject}`);
        const owners = keys.map((k) => [k, linked.get(k)] as const).filter(([, o]) => o !== undefined);
        const isThisAccount = (o: { email: string | null; username: string | null }) => o.email === b.user.email || (b.user.username !== null && o.username === b.user.username);
        const foreign = owners.find(([, o]) => !isThisAccount(o!));
        const earlier = keys.map((k) => claimed.get(k)).find((n) => n !== undefined);
        if (foreign) refused.push({ line: b.line, reason: `identities: ${foreign[0].replace('\n', '/')} is linked to another account` });
        else if (owners.length > 0) alreadyPresent++; // imported before, with its identities
        else if (earlier !== undefined) refused.push({ line: b.line, reason: `identities: the same identity is claimed by line ${earlier}` });
        else {
          for (const k of keys) claimed.set(k, b.line);
          accepted.push(b.user);
        }
      }
      const at = new Date(this.d.clock.now());
      // the owners' batch inserts: users and user_roles (users), identities (oauth)
      const ids = await this.d.users.importMany(tx, accepted, at);
      await this.d.oauth.linkImported(tx, accepted.filter((u) => ids.has(u.id)).flatMap((u) => u.identities.map((i) => ({ userId: u.id, ...i }))), at);
      // an account with this email or username (before, or earlier in the batch): left alone
      alreadyPresent += accepted.length - ids.size;
      if (ids.size > 0) {
        await this.d.audit.record(tx, ctx, { type: 'user.created', userId: null, data: { via: 'import', source: 'import', count: ids.size, user_ids: [...ids] } });
      }
      return { imported: ids.size, alreadyPresent, refused };
    });
  }
}
