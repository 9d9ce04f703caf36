/**
 * Access-token signing keys and JWT issue/verify.
 *
 * Keys live in the database (private JWK sealed with SECRETS_KEY) so every instance signs with the
 * same key and a restart keeps old tokens valid. The first start generates one; `gatehouse keys
 * rotate` adds a new active key and retires the old ones, which stay published in JWKS (and keep
 * verifying) for ACCESS_TOKEN_TTL plus a margin covering instances that have not reloaded yet.
 * An instance signs with the newest active key, whatever its algorithm, so instances configured
 * differently during an upgrade never run without a signer; one whose JWT_ALG differs from the
 * active key's makes a key of its own at start (the others stay published until their tokens expire).
 *
 * `gatehouse keys revoke <kid>` (an emergency: the key leaked) takes a key out of JWKS and out of
 * use at once, rotating first if it was the active one. Every instance is told through the
 * invalidation bus and drops the key and its cached tokens; the key set is also reloaded every
 * second, so a lost message delays a revocation by at most that (docs/operations.md).
 *
 * Verified tokens are cached by their exact string until `exp` (bounded size): a repeat request
 * skips the signature check. Session revocation is not decided here: the session check runs on
 * every request (sessions-service.ts).
 */
import { createPrivateKey, randomUUID, sign as cryptoSign, type JsonWebKey as NodeJsonWebKey, type KeyObject as NodeKeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type KeyObject,
} from 'jose';
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import { systemContext, type RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import type { SigningKeysRepository, SigningKeyRow } from './signing-keys-repository.js';

export type JwtAlg = 'EdDSA' | 'ES256' | 'RS256';

export interface AccessClaims {
  sub: string;
  sid: string;
  roles: string[];
  /**
   * the union of the roles' permissions when the token was issued (informational, for services
   * that check offline; Gatehouse resolves permissions from the user's current roles); [] in a
   * token issued before tokens carried it
   */
  permissions: string[];
  /** RFC 8176 authentication methods of the session, when it has any */
  amr?: string[];
  jti: string;
  iat: number;
  exp: number;
}

type AnyKey = CryptoKey | KeyObject | Uint8Array;

interface LoadedKey {
  kid: string;
  createdAt: Date;
  alg: string;
  publicJwk: JWK;
  publicKey: AnyKey;
  /** the active key's signer: a node:crypto key and the encoded protected header */
  privateKey: { key: NodeKeyObject; header: string } | null;
  retiredAt: Date | null;
}

/**
 * JWS compact signatures with node:crypto, synchronously: WebCrypto (what jose signs with) queues
 * every signature on libuv's thread pool, one more thread hop per sign-in on a machine whose cores
 * are busy hashing passwords. jose still generates, exports and verifies the keys (and the tests
 * verify tokens with jose from JWKS alone, for every algorithm).
 */
function signCompact(alg: JwtAlg, key: NodeKeyObject, input: string): string {
  const data = Buffer.from(input);
  if (alg === 'EdDSA') return cryptoSign(null, data, key).toString('base64url');
  if (alg === 'ES256') return cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return cryptoSign('sha256', data, key).toString('base64url');
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const KEY_RELOAD_MS = 1000;
const RETIRED_MARGIN_S = 120;
const VERIFIED_CACHE_MAX = 50_000;

export interface KeyServiceOptions {
  db: Db;
  repo: SigningKeysRepository;
  box: SecretBox;
  alg: JwtAlg;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  clock: Clock;
  bus: InvalidationBus;
  /** rotations and revocations are audited (key.rotated, key.revoked) */
  audit: AuditService;
  /** the permissions the roles grant now (the `permissions` claim); without it the claim is empty */
  permissionsFor?: (roles: readonly string[]) => Promise<ReadonlySet<string>>;
}

/** active: signs; published: retired, still in JWKS until its tokens expire; retired: out of JWKS; revoked: out for good */
export type KeyState = 'active' | 'published' | 'retired' | 'revoked';

export interface KeyListing {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: Date;
}

export class KeyService {
  #keys = new Map<string, LoadedKey>();
  #active: LoadedKey | null = null;
  #reloadTimer: NodeJS.Timeout | null = null;
  #lastReload = 0;
  readonly #verified = new Map<string, AccessClaims & { kid: string }>();

  constructor(private readonly o: KeyServiceOptions) {
    // another instance (or the CLI) revoked a key: drop it and every token it verified, now
    o.bus.on('key-revoked', (kid) => {
      this.#forget(kid);
      void this.reload().catch(() => {});
    });
  }

  /** loads keys, creating one when none is active or the active one is not of JWT_ALG */
  async init(): Promise<void> {
    await this.o.db.transaction().execute(async (tx) => {
      await this.o.repo.lockForRotation(tx);
      if ((await this.o.repo.activeAlg(tx)) !== this.o.alg) {
        await this.o.repo.retireActive(tx, new Date(this.o.clock.now()));
        await this.o.repo.insert(tx, await this.#generate());
      }
    });
    await this.reload();
    this.#reloadTimer = setInterval(() => void this.reload().catch(() => {}), KEY_RELOAD_MS);
    this.#reloadTimer.unref();
  }

  /**
   * Revokes a key (it leaked): out of JWKS and refused at once here, within a second everywhere.
   * The active key is replaced by a new one first. `found` is false when there is no such key.
   */
  async revoke(kid: string, ctx: RequestContext = systemContext): Promise<{ found: boolean; rotatedTo: string | null }> {
    const replacement = await this.#generate();
    const outcome = await this.o.db.transaction().execute(async (tx) => {
      await this.o.repo.lockForRotation(tx);
      const key = await this.o.repo.find(tx, kid);
      if (!key) return { found: false, rotatedTo: null };
      const now = new Date(this.o.clock.now());
      let rotatedTo: string | null = null;
      if (key.retiredAt === null) {
        await this.o.repo.retireActive(tx, now);
        await this.o.repo.insert(tx, replacement);
        rotatedTo = replacement.kid;
      }
      await this.o.repo.revoke(tx, kid, now);
      await this.o.audit.record(tx, ctx, { type: 'key.revoked', userId: null, data: { kid } });
      return { found: true, rotatedTo };
    });
    if (outcome.found) {
      this.#forget(kid);
      await this.reload();
      await this.o.bus.publish('key-revoked', kid);
    }
    return outcome;
  }

  /** adds a new active key; older keys stay published until their tokens have expired */
  async rotate(ctx: RequestContext = systemContext): Promise<string> {
    const key = await this.#generate();
    await this.o.db.transaction().execute(async (tx) => {
      await this.o.repo.lockForRotation(tx);
      await this.o.repo.retireActive(tx, new Date(this.o.clock.now()));
      await this.o.repo.insert(tx, key);
      await this.o.audit.record(tx, ctx, { type: 'key.rotated', userId: null, data: { kid: key.kid } });
    });
    await this.reload();
    return key.kid;
  }

  /** every key ever made, newest first, with its state (`gatehouse keys list`) */
  async list(): Promise<KeyListing[]> {
    const publishedSince = this.o.clock.now() - (this.o.accessTokenTtl + RETIRED_MARGIN_S) * 1000;
    const rows = await this.o.repo.listAll(this.o.db);
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      createdAt: r.createdAt,
      state: r.revokedAt ? 'revoked' : r.retiredAt === null ? 'active' : r.retiredAt.getTime() > publishedSince ? 'published' : 'retired',
    }));
  }

  /**
   * Re-seals under the current SECRETS_KEY every private key sealed under SECRETS_KEY_PREVIOUS
   * (`gatehouse secrets rekey`); the count re-sealed (0: nothing left to do). A key neither opens
   * stops it: nothing is guessed.
   */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.o.repo.listSealed(this.o.db)) {
      const resealed = this.o.box.reseal(row.privateKeyEnc);
      if (resealed === null) continue;
      if (await this.o.repo.replaceSealed(this.o.db, row.kid, row.privateKeyEnc, resealed)) count++;
    }
    return count;
  }

  async reload(): Promise<void> {
    const since = new Date(this.o.clock.now() - (this.o.accessTokenTtl + RETIRED_MARGIN_S) * 1000);
    const rows = await this.o.repo.listUsable(this.o.db, since);
    const keys = new Map<string, LoadedKey>();
    let active: LoadedKey | null = null;
    for (const row of rows) {
      const loaded = await this.#load(row);
      keys.set(loaded.kid, loaded);
      // rows come newest first: the first active one signs
      if (!active && row.retiredAt === null) active = loaded;
    }
    // a key that left the set (revoked, or retired long enough ago) verifies nothing any more
    for (const kid of this.#keys.keys()) if (!keys.has(kid)) this.#forget(kid);
    this.#keys = keys;
    this.#active = active;
    this.#lastReload = this.o.clock.now();
  }

  #forget(kid: string): void {
    if (this.#keys.has(kid)) {
      this.#keys = new Map(this.#keys);
      this.#keys.delete(kid);
    }
    if (this.#active?.kid === kid) this.#active = null;
    for (const [token, claims] of this.#verified) if (claims.kid === kid) this.#verified.delete(token);
  }

  close(): void {
    if (this.#reloadTimer) clearInterval(this.#reloadTimer);
  }

  /** the kid of the key that signs now, or null (none loaded yet, or the active one was just revoked) */
  activeKid(): string | null {
    return this.#active?.privateKey ? this.#active.kid : null;
  }

  /**
   * The active key as a private JWK (kid, alg, use), or null: the OpenID Connect provider signs its
   * tokens with it, so there is one key set for everything (rotation and revocation included).
   */
  activeSigningJwk(): (JWK & { kid: string; alg: string }) | null {
    const key = this.#active;
    if (!key?.privateKey) return null;
    return { ...(key.privateKey.key.export({ format: 'jwk' }) as JWK), kid: key.kid, alg: key.alg, use: 'sig' };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [...this.#keys.values()].map((k) => k.publicJwk) };
  }

  async sign(input: { sub: string; sid: string; roles: string[]; amr?: readonly string[] }): Promise<{ token: string; claims: AccessClaims }> {
    const key = this.#active;
    if (!key?.privateKey) throw new Error('no active signing key');
    const iat = Math.floor(this.o.clock.now() / 1000);
    const amr = input.amr && input.amr.length > 0 ? [...input.amr] : undefined;
    const permissions = this.o.permissionsFor ? [...(await this.o.permissionsFor(input.roles))].sort() : [];
    const claims: AccessClaims = { sub: input.sub, sid: input.sid, roles: input.roles, permissions, ...(amr ? { amr } : {}), jti: randomUUID(), iat, exp: iat + this.o.accessTokenTtl };
    const payload = base64urlJson({ sid: claims.sid, roles: claims.roles, permissions, ...(amr ? { amr } : {}), iss: this.o.issuer, aud: this.o.audience, sub: claims.sub, jti: claims.jti, iat, exp: claims.exp });
    const signingInput = `${key.privateKey.header}.${payload}`;
    const token = `${signingInput}.${signCompact(key.alg as JwtAlg, key.privateKey.key, signingInput)}`;
    return { token, claims };
  }

  /** verify from the cache of tokens already verified: claims, null (expired), undefined (not seen) */
  verifyCached(token: string): AccessClaims | null | undefined {
    const cached = this.#verified.get(token);
    if (!cached) return undefined;
    if (cached.exp > this.o.clock.now() / 1000) return cached;
    this.#verified.delete(token);
    return null;
  }

  /** the token's claims, or null when it is malformed, forged, foreign or expired */
  async verify(token: string): Promise<AccessClaims | null> {
    const cached = this.verifyCached(token);
    if (cached !== undefined) return cached;
    if (token.length > 4096) return null;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, (header) => this.#keyFor(header.kid, header.alg), {
        issuer: this.o.issuer,
        audience: this.o.audience,
        algorithms: ['EdDSA', 'ES256', 'RS256'],
        // the same keys sign the OpenID Connect provider's tokens; a client-credentials token
        // (RFC 9068, typ at+jwt) or an ID token is no user's session and never a bearer token here
        typ: 'JWT',
        currentDate: new Date(this.o.clock.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      const claims = toClaims(payload);
      if (!claims) return null;
      if (this.#verified.size >= VERIFIED_CACHE_MAX) this.#verified.clear();
      this.#verified.set(token, { ...claims, kid: protectedHeader.kid ?? '' });
      return claims;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }

  async #keyFor(kid: string | undefined, alg: string | undefined): Promise<AnyKey> {
    let key = kid ? this.#keys.get(kid) : undefined;
    // a key rotated in by another instance: reload at most once a second
    if (!key && kid && this.o.clock.now() - this.#lastReload > 1000) {
      await this.reload();
      key = this.#keys.get(kid);
    }
    if (!key || key.alg !== alg) throw new joseErrors.JWKSNoMatchingKey();
    return key.publicKey;
  }

  async #generate(): Promise<Omit<SigningKeyRow, 'retiredAt'>> {
    const alg = this.o.alg;
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateKeyEnc: this.o.box.seal(JSON.stringify(privateJwk)),
      createdAt: new Date(this.o.clock.now()),
    };
  }

  async #load(row: SigningKeyRow): Promise<LoadedKey> {
    const existing = this.#keys.get(row.kid);
    if (existing) return { ...existing, retiredAt: row.retiredAt };
    const publicJwk = row.publicJwk as JWK;
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(this.o.box.open(row.privateKeyEnc)) as JWK;
    } catch {
      throw new Error(
        `SECRETS_KEY does not decrypt signing key ${row.kid} stored in the database: it is not the key these were encrypted with ` +
          '(was SECRETS_KEY changed, or DATA_DIR/secrets.key replaced?). Start with the original key, or set the original one as ' +
          'SECRETS_KEY_PREVIOUS and run `gatehouse secrets rekey`.',
      );
    }
    return {
      kid: row.kid,
      createdAt: row.createdAt,
      alg: row.alg,
      publicJwk,
      publicKey: await importJWK(publicJwk, row.alg),
      privateKey:
        row.retiredAt === null
          ? { key: createPrivateKey({ key: privateJwk as NodeJsonWebKey, format: 'jwk' }), header: base64urlJson({ alg: row.alg, kid: row.kid, typ: 'JWT' }) }
          : null,
      retiredAt: row.retiredAt,
    };
  }
}

function toClaims(p: JWTPayload): AccessClaims | null {
  const roles = (p as { roles?: unknown }).roles;
  const sid = (p as { sid?: unknown }).sid;
  if (typeof p.sub !== 'string' || typeof sid !== 'string' || typeof p.jti !== 'string') return null;
  if (typeof p.exp !== 'number' || typeof p.iat !== 'number') return null;
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) return null;
  const permissions = (p as { permissions?: unknown }).permissions ?? [];
  if (!Array.isArray(permissions) || !permissions.every((r) => typeof r === 'string')) return null;
  const amr = (p as { amr?: unknown }).amr;
  const methods = Array.isArray(amr) && amr.every((m) => typeof m === 'string') ? { amr: amr as string[] } : {};
  return { sub: p.sub, sid, roles: roles as string[], permissions: permissions as string[], ...methods, jti: p.jti, iat: p.iat, exp: p.exp };
}
