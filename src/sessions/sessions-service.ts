/**
 * Sessions: one sign-in on one device, and the refresh tokens that keep it alive.
 *
 * Design: a refresh token is 256 random bits; only its SHA-256 is stored (refresh_tokens, one row
 * per generation). Every refresh rotates it. A token that was already rotated is theft unless it
 * comes back within REFRESH_REUSE_GRACE seconds of its rotation (two tabs refreshing at once): then
 * the caller gets the session's *current* token, which is kept sealed (AES-GCM under SECRETS_KEY)
 * for exactly this purpose, with no second rotation. Later reuse revokes the whole session.
 * Rotation is one conditional UPDATE, so two racing refreshes cannot both rotate.
 *
 * Revocation is checked on every authenticated request through `isLive`, cached for at most one
 * second per instance and evicted everywhere at once through the invalidation bus.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import { afterCommit } from '../db/after-commit.js';
import type { Db, Executor } from '../db/database-types.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { SecretBox } from '../security/secret-box.js';
import { looksLikeRefreshToken, randomToken, sha256 } from '../security/tokens.js';
import { parseDevice } from './device.js';
import type { GeoIp } from './geoip.js';
import { sessionsErrors } from './sessions-errors.js';
import type { NewSession, SessionRecord, SessionsRepository } from './sessions-repository.js';
import type { Clock } from '../clock.js';
import type { RequestContext } from '../request-context.js';

/** sessions re-sealed per page by rekeySecrets (memory stays bounded however many there are) */
const REKEY_PAGE = 500;

export interface SessionsServiceDeps {
  db: Db;
  repo: SessionsRepository;
  audit: AuditService;
  bus: InvalidationBus;
  box: SecretBox;
  clock: Clock;
  refreshTokenTtl: number;
  sessionMaxAge: number;
  reuseGraceSeconds: number;
  geoip: GeoIp;
  /** queues the new-device notice of a sign-in (absent: no notice) */
  mail?: MailService;
}

/**
 * What a security notice says about the request behind a change (docs/operations.md), stored in
 * the queued message as data, not words: the mail's templates write it in the reader's language
 * when it is sent (mail/notice-values.ts). Null: not known.
 */
type NoticeDevice = { browser: string | null; os: string | null; type: string | null };

export interface NoticeOrigin {
  /** ISO 8601 (UTC) */
  time: string;
  ip: string | null;
  /** the parsed user agent (device.ts); null when none of its parts is known */
  device: NoticeDevice | null;
  location: { country: string | null; city: string | null } | null;
}

export interface IssuedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  /** when the refresh token stops working */
  expiresAt: Date;
  /** the instant expiresAt was computed from (ms): the cookie's Max-Age counts from here */
  issuedAt: number;
  /** how the session was signed in (RFC 8176 `amr`): every access token of the session carries it */
  amr: string[];
}

export interface NewSessionInput {
  userId: string;
  ip: string | null;
  userAgent: string | null;
  /** how the user signed in (RFC 8176): `["pwd"]`, `["pwd", "otp", "mfa"]`, `["hwk", "user"]`…; none when not given */
  amr?: readonly string[];
}

interface LiveState {
  userId: string;
  live: boolean;
  expiresAtMs: number;
}

export class SessionsService {
  readonly #state: TtlCache<LiveState | null>;

  constructor(private readonly d: SessionsServiceDeps) {
    this.#state = new TtlCache(1000, 100_000, () => d.clock.now());
    d.bus.on('session', (id) => this.#state.delete(id));
  }

  /** starts a session inside the caller's transaction (registration, password change) */
  async create(tx: Executor, input: NewSessionInput): Promise<IssuedSession> {
    const { row, issued } = this.#prepare(input);
    await this.d.repo.insert(tx, row);
    return issued;
  }

  /**
   * Starts a session and records its audit event in one statement (a sign-in: no transaction,
   * one round trip for the session, its refresh token and the event).
   */
  async open(
    ctx: RequestContext,
    input: NewSessionInput,
    event: (sessionId: string) => AuditEventInput,
    options: { unseenDeviceNoticeTo?: { email: string | null; locale: string | null } | null } = {},
  ): Promise<IssuedSession> {
    const { row, issued } = this.#prepare(input);
    // a sign-in from a device this user has not used before is told to the account's address,
    // in the same statement (sessions-repository.ts: insertPart)
    const to = options.unseenDeviceNoticeTo;
    const notice = to?.email && this.d.mail
      ? this.d.mail.prepare({ template: 'new_sign_in', to: to.email, userId: input.userId, data: { ...this.#origin(ctx.ip, row.device, row.location), ...readerData(ctx, { id: input.userId, locale: to.locale }) } })
      : undefined;
    // one statement outside any transaction: committed once it returns (the event's webhook deliveries then go to this process's worker)
    await afterCommit((after) => this.d.audit.record(this.d.db, ctx, event(row.id), [this.d.repo.insertPart(row, notice)], after));
    return issued;
  }

  /** the request behind a change, as a security notice shows it: time, IP, device, location */
  noticeOrigin(ctx: RequestContext): NoticeOrigin {
    return this.#origin(ctx.ip, parseDevice(ctx.userAgent), this.d.geoip.lookup(ctx.ip));
  }

  #origin(ip: string | null, device: NoticeDevice, location: { country: string | null; city: string | null } | null): NoticeOrigin {
    return {
      time: new Date(this.d.clock.now()).toISOString(),
      ip,
      device: device.browser || device.os || device.type ? device : null,
      location: location && (location.city || location.country) ? location : null,
    };
  }

  #prepare(input: NewSessionInput): { row: NewSession; issued: IssuedSession } {
    const now = this.d.clock.now();
    const refreshToken = randomToken();
    const maxExpiresAt = new Date(now + this.d.sessionMaxAge * 1000);
    const expiresAt = new Date(Math.min(now + this.d.refreshTokenTtl * 1000, maxExpiresAt.getTime()));
    const id = randomUUID();
    const row: NewSession = {
      id,
      userId: input.userId,
      refreshTokenEnc: this.d.box.seal(refreshToken),
      refreshTokenHash: sha256(refreshToken),
      createdAt: new Date(now),
      expiresAt,
      maxExpiresAt,
      ip: input.ip,
      userAgent: input.userAgent ? input.userAgent.slice(0, 1024) : null,
      device: parseDevice(input.userAgent),
      location: this.d.geoip.lookup(input.ip),
      amr: [...(input.amr ?? [])],
    };
    return { row, issued: { sessionId: id, userId: input.userId, refreshToken, expiresAt, issuedAt: now, amr: row.amr } };
  }

  /** rotates a refresh token (see the header comment for reuse and the grace window) */
  async refresh(ctx: RequestContext, refreshToken: string): Promise<IssuedSession> {
    if (!looksLikeRefreshToken(refreshToken)) throw sessionsErrors.invalidRefreshToken();
    const hash = sha256(refreshToken);
    const outcome = await this.d.db.transaction().execute(async (tx) => {
      const found = await this.d.repo.findRefreshToken(tx, hash);
      if (!found) throw sessionsErrors.invalidRefreshToken();
      const session = await this.d.repo.lockById(tx, found.sessionId);
      const now = this.d.clock.now();
      if (!session || session.revokedAt || session.expiresAt.getTime() <= now) throw sessionsErrors.invalidRefreshToken();

      if (found.rotatedAt === null && (await this.d.repo.markRotated(tx, hash, new Date(now)))) {
        const next = randomToken();
        const expiresAt = new Date(Math.min(now + this.d.refreshTokenTtl * 1000, session.maxExpiresAt.getTime()));
        await this.d.repo.insertRefreshToken(tx, sha256(next), session.id, new Date(now));
        await this.d.repo.updateAfterRotation(tx, session.id, this.d.box.seal(next), new Date(now), expiresAt);
        // its expiry moved: this instance's cached state would call it expired at the old time
        this.#state.delete(session.id);
        return { kind: 'ok' as const, issued: { sessionId: session.id, userId: session.userId, refreshToken: next, expiresAt, issuedAt: now, amr: session.amr } };
      }
      // already rotated (possibly just now, by a concurrent request holding the session lock before us)
      const rotatedAt = found.rotatedAt?.getTime() ?? now;
      if (now - rotatedAt <= this.d.reuseGraceSeconds * 1000) {
        const current = this.d.box.open(session.refreshTokenEnc);
        return { kind: 'ok' as const, issued: { sessionId: session.id, userId: session.userId, refreshToken: current, expiresAt: session.expiresAt, issuedAt: now, amr: session.amr } };
      }
      await this.d.repo.revoke(tx, session.id, new Date(now), 'refresh_token_reused');
      const event: AuditEventInput = { type: 'refresh.reused', userId: session.userId, data: { session_id: session.id } };
      await this.d.audit.record(tx, { ...ctx, actorId: null }, event);
      return { kind: 'reused' as const, sessionId: session.id, event };
    });
    if (outcome.kind === 'reused') {
      this.d.audit.announce(outcome.event);
      await this.d.bus.publish('session', outcome.sessionId);
      throw sessionsErrors.refreshTokenReused();
    }
    return outcome.issued;
  }

  /**
   * `gatehouse secrets rekey`: every session's sealed refresh token (the one a just-rotated token's
   * grace answer opens) sealed anew under the current SECRETS_KEY, page by page; revoked and
   * expired sessions too, so nothing is left that only the previous key opens. The count re-sealed.
   */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.d.repo.listSealedRefreshTokens(this.d.db, after, REKEY_PAGE);
      for (const row of page) {
        const resealed = this.d.box.reseal(row.refreshTokenEnc);
        if (resealed !== null && (await this.d.repo.replaceSealedRefreshToken(this.d.db, row.id, row.refreshTokenEnc, resealed))) count++;
      }
      if (page.length < REKEY_PAGE) return count;
      after = page[page.length - 1]!.id;
    }
  }

  /** how many sessions are live now, across all users (metrics: one COUNT per scrape) */
  countLive(): Promise<number> {
    return this.d.repo.countLive(this.d.db, new Date(this.d.clock.now()));
  }

  /** a session by id (revoked and expired ones included), or null */
  find(sessionId: string): Promise<SessionRecord | null> {
    return this.d.repo.findById(this.d.db, sessionId);
  }

  /**
   * Logout by refresh token (the cookie, or a token in the body): revokes its session. A token
   * rotated out more than REFRESH_REUSE_GRACE seconds ago is reuse, as on /refresh: the session is
   * revoked as stolen and `refresh.reused` audited. Unknown tokens and ended sessions: nothing to do.
   */
  async logoutByRefreshToken(ctx: RequestContext, refreshToken: string): Promise<void> {
    if (!looksLikeRefreshToken(refreshToken)) return;
    const found = await this.d.repo.findRefreshToken(this.d.db, sha256(refreshToken));
    if (!found) return;
    const rotatedAt = found.rotatedAt?.getTime();
    const reused = rotatedAt !== undefined && this.d.clock.now() - rotatedAt > this.d.reuseGraceSeconds * 1000;
    const session = await this.d.repo.findById(this.d.db, found.sessionId);
    if (!session) return;
    if (!reused) {
      await this.revoke({ ...ctx, actorId: session.userId }, session.userId, session.id, 'logout');
      return;
    }
    const event: AuditEventInput = { type: 'refresh.reused', userId: session.userId, data: { session_id: session.id, via: 'logout' } };
    const revoked = await this.d.db.transaction().execute(async (tx) => {
      const locked = await this.d.repo.lockById(tx, session.id);
      if (!locked || locked.revokedAt) return false;
      await this.d.repo.revoke(tx, session.id, new Date(this.d.clock.now()), 'refresh_token_reused');
      await this.d.audit.record(tx, { ...ctx, actorId: null }, event);
      return true;
    });
    if (revoked) {
      this.d.audit.announce(event);
      await this.d.bus.publish('session', session.id);
    }
  }

  /**
   * Is this session live and owned by this user? (every authenticated request asks) Live means
   * what GET /sessions lists and logout can revoke: not revoked, refresh token not expired — so
   * an access token that outlives its session's refresh token (ACCESS_TOKEN_TTL set longer) is
   * refused with it, not left working where the user can no longer see or revoke it.
   */
  async isLive(sessionId: string, userId: string): Promise<boolean> {
    const state = await this.#state.get(sessionId, async () => {
      const s = await this.d.repo.findById(this.d.db, sessionId);
      return s ? { userId: s.userId, live: s.revokedAt === null, expiresAtMs: s.expiresAt.getTime() } : null;
    });
    return this.#liveNow(state, userId);
  }

  /** isLive from this second's cache alone; undefined when it has to be read */
  isLiveCached(sessionId: string, userId: string): boolean | undefined {
    const state = this.#state.peek(sessionId);
    return state === undefined ? undefined : this.#liveNow(state, userId);
  }

  #liveNow(state: LiveState | null, userId: string): boolean {
    return state !== null && state.live && state.userId === userId && state.expiresAtMs > this.d.clock.now();
  }

  async listLive(userId: string): Promise<SessionRecord[]> {
    return this.d.repo.listLive(this.d.db, userId, new Date(this.d.clock.now()));
  }

  /** revokes one of the user's sessions; 404 when it is not theirs or already gone */
  async revokeOwn(ctx: RequestContext, userId: string, sessionId: string, event: 'logout' | 'session.revoked'): Promise<void> {
    if (!(await this.revoke(ctx, userId, sessionId, event))) throw sessionsErrors.notFound();
  }

  /** revokes one of the user's sessions if it is live; false when it is not theirs or already gone */
  async revoke(ctx: RequestContext, userId: string, sessionId: string, event: 'logout' | 'session.revoked'): Promise<boolean> {
    const revoked = await this.d.db.transaction().execute(async (tx) => {
      const s = await this.d.repo.lockById(tx, sessionId);
      if (!s || s.userId !== userId || s.revokedAt || s.expiresAt.getTime() <= this.d.clock.now()) return false;
      await this.d.repo.revoke(tx, sessionId, new Date(this.d.clock.now()), event);
      await this.d.audit.record(tx, ctx, { type: event, userId, data: { session_id: sessionId } });
      return true;
    });
    if (revoked) await this.d.bus.publish('session', sessionId);
    return revoked;
  }

  /**
   * Revokes every live session of a user inside the caller's transaction. The caller must call
   * `announceRevoked` with the result after commit so other instances drop their cached state.
   */
  async revokeAllInTx(tx: Executor, userId: string, reason: string, exceptId?: string): Promise<string[]> {
    const revoked = await this.d.repo.revokeAllForUser(tx, userId, new Date(this.d.clock.now()), reason, exceptId);
    for (const revokeAlso of this.#alsoOnRevokeAll) await revokeAlso(tx, userId, reason);
    return revoked;
  }

  readonly #alsoOnRevokeAll: ((tx: Executor, userId: string, reason: string) => Promise<void>)[] = [];

  /**
   * Credentials of a user kept by a higher feature that go with "every session" (sign-out
   * everywhere, a password change or reset, disabling or deleting the user): revoked in the same
   * transaction. OpenID Connect client tokens register here.
   */
  alsoOnRevokeAll(revoke: (tx: Executor, userId: string, reason: string) => Promise<void>): void {
    this.#alsoOnRevokeAll.push(revoke);
  }

  async announceRevoked(sessionIds: readonly string[]): Promise<void> {
    await Promise.all(sessionIds.map((id) => this.d.bus.publish('session', id)));
  }

  /** revokes every session of a user in its own transaction, with one audit event */
  async revokeAll(ctx: RequestContext, userId: string, event: 'logout' | 'session.revoked', data: Record<string, unknown> = {}): Promise<number> {
    const ids = await this.d.db.transaction().execute(async (tx) => {
      const revoked = await this.revokeAllInTx(tx, userId, event);
      await this.d.audit.record(tx, ctx, { type: event, userId, data: { ...data, all: true, count: revoked.length } });
      return revoked;
    });
    await this.announceRevoked(ids);
    return ids.length;
  }
}
export type { SessionRecord } from './sessions-repository.js';
