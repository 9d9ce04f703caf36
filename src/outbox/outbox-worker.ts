/**
 * The outbox worker of one channel: claims due messages and hands them to the channel's deliverer
 * (mail: SMTP; webhook: HTTP), and never sends one message twice at once.
 *
 * - Claiming is one statement for as many messages as there are free slots (OutboxQueue.claimBatch):
 *   FOR UPDATE SKIP LOCKED picks due rows no other worker holds, and their due time moves a lease
 *   ahead, so a second worker — in this process, another instance or `gatehouse worker` — skips
 *   them while they are being sent. Only a worker that dies between the receiver's acceptance and
 *   marking the row sent can cause a resend, once the lease has run out: at-least-once at worst,
 *   never two workers at once. The same statement says when the next message is due (the timer).
 * - Up to `concurrency` messages are in flight, at most `perRecipient` for one recipient: a slow
 *   webhook endpoint takes its own slots, not the queue. Each channel has its own worker, so a
 *   dead endpoint never delays mail. Each message is sent on its own, as soon as it is claimed.
 * - The deliverer says what happened; the worker records it: sent, retry at a time, dead, or
 *   parked (not counted as an attempt). Outcomes are recorded like a group commit: the first is
 *   written at once, those that arrive meanwhile together in the next statement — each row its
 *   own outcome, no waiting for a timer or for the rest of a batch.
 * - It sleeps until woken: a trigger NOTIFYs at commit of every queued message with the message's
 *   channel as payload (LISTEN on PostgreSQL, PGlite's listener in-process), and a worker wakes only
 *   for its own channel (or an empty payload: anything may be waiting); a timer covers the next
 *   retry, and a slow poll a lost notification.
 * - A message queued by this process can skip the claim: while the worker runs and has room, the
 *   queuing transaction reserves it (`reserve`, counted like a message in flight), writes its rows
 *   already leased (due when the lease runs out, first attempt counted: OutboxQueue's `leased`), and
 *   after its commit hands the messages over (`Reservation.handOff`) — never before, so nothing is
 *   sent for a change that is rolled back (`release` frees the room). The row is as a claim would
 *   have left it: should this process die before recording the outcome, any worker claims it once
 *   the lease has run out. A message handed over is sent within the same limits (concurrency, a
 *   recipient's allowance): one without a free slot waits in memory for one — at most a few
 *   seconds (HANDOFF_GRACE_MS, so its attempt still has a whole lease), then it is given back (due
 *   now, the attempt uncounted) for a claim. The worker refuses a reservation while it claims, or
 *   while the last claim left due messages waiting (full, or the recipient at its limit): those go
 *   first, and the queuing transaction writes its rows due now, as when the worker is stopped.
 * - stop() waits (a few seconds at most) for the transactions that reserved room to end, gives back
 *   what is handed over from then on or still waits for a slot, lets the messages being sent
 *   finish, then returns.
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import type { ClaimedMessage, OutboxChannel, OutboxQueue, RecordedOutcome } from './outbox-queue.js';

/** what a deliverer reports for one attempt */
export type DeliveryOutcome =
  | { kind: 'sent'; keepData: boolean; statusCode?: number | null }
  | { kind: 'retry'; error: string; delayMs: number; statusCode?: number | null }
  | { kind: 'dead'; error: string; keepData: boolean; statusCode?: number | null }
  | { kind: 'park'; untilMs: number; reason: string };

export interface Deliverer {
  readonly channel: OutboxChannel;
  /** messages in flight at once */
  readonly concurrency: number;
  /** messages in flight at once for one recipient */
  readonly perRecipient: number;
  /** how long a claimed message is held: longer than one attempt can take */
  readonly leaseMs: number;
  deliver(m: ClaimedMessage): Promise<DeliveryOutcome>;
  close?(): void;
}

/** the log calls the worker makes (pino's signature) */
export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxWorkerDeps {
  db: Db;
  repo: OutboxQueue;
  deliverer: Deliverer;
  clock: Clock;
  /** subscribes to "a message was committed" (the payload: its channel, or '' for any); resolves to the unsubscribe function */
  listen: (onNotify: (payload: string) => void) => Promise<() => Promise<void>>;
  /** told of every outcome (metrics) */
  onOutcome?: (m: ClaimedMessage, outcome: DeliveryOutcome) => void;
  /** the least time between two claims a notification causes (default CLAIM_SPACING_MS) */
  claimSpacingMs?: number;
}

/**
 * Under a stream of events, a notification that arrives within this long of the last claim waits
 * for the rest of it, so one claim takes every message committed meanwhile instead of one claim
 * (one statement) per message; a message after a quiet spell is claimed at once. Wake-ups for a
 * freed slot, a retry's time or a test are never held back, so a recipient's throughput is not
 * bounded by the spacing.
 */
const CLAIM_SPACING_MS = 20;

/**
 * A reservation's lease is this much longer than the deliverer's, and its messages start only
 * within this long of the reservation: each attempt starts with at least `leaseMs` of lease left,
 * as after a claim. One that cannot (a slow transaction, or no slot free for that long) is given
 * back to the queue unsent.
 */
const HANDOFF_GRACE_MS = 5_000;

/** room held in this process's worker for messages a transaction is queuing already leased (OutboxWorker.reserve) */
export interface Reservation {
  /** the due time to queue the messages with: when their lease runs out */
  readonly leaseUntil: Date;
  /** after the commit: the messages as queued (one per recipient reserved, in order), sent as if claimed */
  handOff(messages: readonly ClaimedMessage[]): void;
  /** the transaction did not commit (or may not have): the room is free again */
  release(): void;
}

/** the slow poll that covers a lost notification */
const FALLBACK_POLL_MS = 10_000;
/** after a database error, the next try */
const ERROR_PAUSE_MS = 2_000;

export class OutboxWorker {
  #log: WorkerLog | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #started = false;
  /** messages in flight, and how many per recipient */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #perRecipient = new Map<string, number>();
  /** outcomes waiting to be recorded, and whether a statement recording them is under way */
  readonly #unrecorded: Unrecorded[] = [];
  #recording = false;
  /** the last claim left due messages because the worker was full, or because these recipients were at their limit */
  #saturated = false;
  #blocked = new Set<string>();
  /** when the last claim started (monotonic ms), and the timer of a notification held back until the spacing is over */
  #lastClaimAt = -Infinity;
  #spacing: NodeJS.Timeout | null = null;
  /** slots reserved for messages being queued (their recipients counted in #perRecipient), and each reservation's end */
  #reserved = 0;
  readonly #reservations = new Set<Promise<void>>();
  /** messages handed over (committed, leased to this worker) waiting for a slot of theirs, oldest first */
  readonly #waiting: Waiting[] = [];

  constructor(private readonly d: OutboxWorkerDeps) {}

  get channel(): OutboxChannel {
    return this.d.deliverer.channel;
  }

  get started(): boolean {
    return this.#started && !this.#stopping;
  }

  async start(log: WorkerLog): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#log = log;
    this.#unlisten = await this.d.listen((payload) => {
      if (payload === '' || payload === this.channel) this.#notified();
    });
    this.wake();
  }

  /** a message of this channel was committed: claim now, or with what follows once the spacing since the last claim is over */
  #notified(): void {
    if (this.#spacing || !this.#started || this.#stopping) return;
    const wait = this.#lastClaimAt + (this.d.claimSpacingMs ?? CLAIM_SPACING_MS) - performance.now();
    if (wait <= 0) return this.wake();
    this.#spacing = setTimeout(() => {
      this.#spacing = null;
      this.wake();
    }, wait);
    this.#spacing.unref();
  }

  /** look for due messages now (a finished delivery, the timer, a test) */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#fill().finally(() => {
      this.#running = null;
      if (this.#again && !this.#stopping) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** stops after the messages being sent (if any); closes the deliverer */
  async stop(): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#spacing) clearTimeout(this.#spacing);
    this.#spacing = null;
    await this.#running;
    // a reservation's transaction is short; what it hands over now, and what still waits for a
    // slot, is given back (due now for a claim) rather than sent. One not over within the grace is
    // not waited for: its rows, if it commits, are sent when their lease runs out.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.#reservations]), new Promise<void>((resolve) => (grace = setTimeout(resolve, HANDOFF_GRACE_MS)).unref())]);
    clearTimeout(grace);
    this.#startWaiting();
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    await this.#unlisten?.();
    this.#unlisten = null;
    this.d.deliverer.close?.();
    this.#started = false;
  }

  /**
   * Holds room for a message to each of `to` (a recipient may repeat) that a transaction is about
   * to queue leased to this worker, or null — queue them due now: the worker is not running, is
   * claiming, the last claim left due messages waiting (the worker full, or one of these recipients
   * at its allowance: those go first), or it holds as many messages as it may (`concurrency` being
   * sent or reserved, and as many again waiting for a recipient's slot).
   */
  reserve(to: readonly string[]): Reservation | null {
    const { deliverer } = this.d;
    if (!this.started || this.#running || this.#saturated || to.length === 0) return null;
    if (to.some((r) => this.#blocked.has(r))) return null;
    if (this.#inFlight.size + this.#reserved + this.#waiting.length + to.length > 2 * deliverer.concurrency) return null;
    const wanted = new Map<string, number>();
    for (const r of to) wanted.set(r, (wanted.get(r) ?? 0) + 1);
    // counted as in flight meanwhile: a claim passes these recipients over once at their allowance
    for (const [r, n] of wanted) this.#perRecipient.set(r, (this.#perRecipient.get(r) ?? 0) + n);
    this.#reserved += to.length;
    const reservedAt = this.d.clock.now();
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.#reservations.add(settled);
    let open = true;
    const free = (): void => {
      this.#reserved -= to.length;
      for (const [r, n] of wanted) this.#untrack(r, n);
      this.#reservations.delete(settled);
      settle();
    };
    return {
      leaseUntil: new Date(reservedAt + deliverer.leaseMs + HANDOFF_GRACE_MS),
      handOff: (messages) => {
        if (!open) return;
        open = false;
        free();
        // stopped: the rows' lease runs out and a claim sends them
        if (!this.#started) return;
        if (messages.length !== to.length || !this.started) {
          for (const m of messages) this.#giveBack(m);
          return;
        }
        for (const m of messages) this.#waiting.push({ m, startBy: reservedAt + HANDOFF_GRACE_MS });
        this.#startWaiting();
      },
      release: () => {
        if (!open) return;
        open = false;
        free();
        this.#slotsFreed(to);
      },
    };
  }

  /**
   * Starts the messages handed over that have a slot (the worker's, and their recipient's), oldest
   * first; one that cannot start within the grace of its reservation is given back.
   */
  #startWaiting(): void {
    const { deliverer } = this.d;
    const now = this.d.clock.now();
    const still: Waiting[] = [];
    for (const w of this.#waiting.splice(0)) {
      if (now > w.startBy || this.#stopping) this.#giveBack(w.m);
      else if (this.#inFlight.size < deliverer.concurrency && (this.#perRecipient.get(w.m.to) ?? 0) < deliverer.perRecipient) this.#track(w.m);
      else still.push(w);
    }
    this.#waiting.push(...still);
  }

  /**
   * A message handed over that this worker will not send (it is stopping, or the message waited too
   * long for a slot): its row is made due now with the attempt uncounted, as a parked message's
   * (recorded with the other outcomes), so a claim — this worker's or another's — sends it without
   * waiting for the lease to run out.
   */
  #giveBack(m: ClaimedMessage): void {
    const at = this.d.clock.now();
    const done: Promise<void> = new Promise<void>((resolve) => {
      this.#unrecorded.push({ m, outcome: { kind: 'park', untilMs: at, reason: 'handed back' }, at, done: resolve, quiet: true });
      if (!this.#recording) {
        this.#recording = true;
        void this.#recordAll();
      }
    }).then(() => {
      this.#inFlight.delete(done);
      if (this.#waiting.length > 0) this.#startWaiting();
      this.wake();
    });
    this.#inFlight.add(done);
  }

  /** claims due messages while slots are free; each delivery runs on its own and wakes the worker when done */
  async #fill(): Promise<void> {
    let pause = FALLBACK_POLL_MS;
    this.#saturated = false;
    const { deliverer } = this.d;
    try {
      for (;;) {
        if (this.#stopping) return;
        const free = deliverer.concurrency - this.#inFlight.size - this.#reserved;
        if (free <= 0) {
          this.#saturated = true; // a finished delivery wakes the worker
          return;
        }
        const now = this.d.clock.now();
        this.#lastClaimAt = performance.now();
        const batch = await this.d.repo.claimBatch(this.d.db, deliverer.channel, {
          now: new Date(now),
          leaseUntil: new Date(now + deliverer.leaseMs),
          limit: free,
          perRecipient: deliverer.perRecipient,
          inFlight: this.#perRecipient,
        });
        for (const m of batch.messages) this.#track(m);
        this.#blocked = new Set(batch.blocked);
        // a message of a blocked recipient finished while the claim ran: its slot is free now
        const freed = batch.blocked.some((to) => (this.#perRecipient.get(to) ?? 0) < deliverer.perRecipient);
        if ((batch.more && batch.messages.length > 0) || freed) continue;
        if (batch.nextDue) pause = Math.min(FALLBACK_POLL_MS, Math.max(0, batch.nextDue.getTime() - this.d.clock.now()) + 10);
        break;
      }
    } catch (error) {
      if (this.#stopping) return;
      this.#log?.warn({ channel: deliverer.channel, err: { message: (error as Error).message } }, `${deliverer.channel} outbox: cannot read the queue; trying again shortly`);
      pause = ERROR_PAUSE_MS;
    }
    if (this.#stopping) return;
    if (this.#inFlight.size + this.#reserved >= deliverer.concurrency) {
      this.#saturated = true;
      return;
    }
    this.#timer = setTimeout(() => this.wake(), pause);
    this.#timer.unref();
  }

  #track(m: ClaimedMessage): void {
    this.#perRecipient.set(m.to, (this.#perRecipient.get(m.to) ?? 0) + 1);
    const run: Promise<DeliveryOutcome> = this.#attempt(m);
    const done: Promise<void> = run.then(
      (outcome) => this.#finished(done, m, outcome.kind === 'retry'),
      () => this.#finished(done, m, true),
    );
    this.#inFlight.add(done);
  }

  /**
   * A slot is free again. The worker looks for more only when something waits on that slot: it
   * was full, this recipient had due messages passed over, or the attempt is to be retried (the
   * timer is set anew); a message queued meanwhile wakes it by its own notification.
   */
  #finished(run: Promise<void>, m: ClaimedMessage, retry: boolean): void {
    this.#inFlight.delete(run);
    this.#untrack(m.to, 1);
    if (retry) {
      if (this.#waiting.length > 0) this.#startWaiting();
      this.wake();
    } else this.#slotsFreed([m.to]);
  }

  #untrack(to: string, n: number): void {
    const left = (this.#perRecipient.get(to) ?? n) - n;
    if (left > 0) this.#perRecipient.set(to, left);
    else this.#perRecipient.delete(to);
  }

  /** slots of these recipients were freed: messages handed over and waiting start, and the worker looks again if due rows wait on them */
  #slotsFreed(to: readonly string[]): void {
    if (this.#waiting.length > 0) this.#startWaiting();
    if (this.#saturated || to.some((r) => this.#blocked.has(r))) this.wake();
  }

  async #attempt(m: ClaimedMessage): Promise<DeliveryOutcome> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.d.deliverer.deliver(m);
    } catch (error) {
      // a deliverer reports failures as outcomes; a throw is a bug, kept from killing the worker
      outcome = { kind: 'retry', error: (error as Error).message ?? String(error), delayMs: 60_000 };
    }
    await new Promise<void>((done) => {
      this.#unrecorded.push({ m, outcome, at: this.d.clock.now(), done });
      if (!this.#recording) {
        this.#recording = true;
        void this.#recordAll();
      }
    });
    return outcome;
  }

  /** writes the outcomes waiting, in one statement, until none are left (those that arrive meanwhile go in the next) */
  async #recordAll(): Promise<void> {
    try {
      while (this.#unrecorded.length > 0) {
        const batch = this.#unrecorded.splice(0);
        try {
          await this.d.repo.record(this.d.db, batch.map(recorded));
          for (const r of batch) if (!r.quiet) this.#recorded(r.m, r.outcome);
        } catch (error) {
          // the leases run out and the messages are tried again: at-least-once
          for (const r of batch) {
            this.#log?.warn({ ...this.#where(r.m), err: { message: (error as Error).message } }, `${this.channel} outbox: cannot record the outcome; the message will be tried again`);
          }
        }
        for (const r of batch) r.done();
      }
    } finally {
      this.#recording = false;
    }
  }

  #where(m: ClaimedMessage) {
    return { channel: this.channel, message_id: m.id, template: m.template, attempt: m.attempts };
  }

  #recorded(m: ClaimedMessage, outcome: DeliveryOutcome): void {
    const where = this.#where(m);
    const channel = this.channel;
    switch (outcome.kind) {
      case 'sent':
        this.#log?.info(where, `${channel} outbox: delivered`);
        break;
      case 'retry':
        this.#log?.warn({ ...where, reason: outcome.error, retry_in_s: Math.round(outcome.delayMs / 100) / 10 }, `${channel} outbox: delivery failed; will retry`);
        break;
      case 'dead':
        this.#log?.error({ ...where, reason: outcome.error }, `${channel} outbox: message dead, not delivered`);
        break;
      case 'park':
        this.#log?.info({ ...where, reason: outcome.reason }, `${channel} outbox: held back`);
        break;
    }
    try {
      this.d.onOutcome?.(m, outcome);
    } catch {
      // metrics never stop the worker
    }
  }
}

interface Unrecorded {
  m: ClaimedMessage;
  outcome: DeliveryOutcome;
  /** when the attempt ended (clock ms) */
  at: number;
  done: () => void;
  /** a message handed back unsent: neither logged nor told (metrics) */
  quiet?: boolean;
}

interface Waiting {
  m: ClaimedMessage;
  /** the last moment to start it (clock ms): later, its lease could run out during the attempt */
  startBy: number;
}

/** an attempt's outcome as the queue records it */
function recorded({ m, outcome, at }: Unrecorded): RecordedOutcome {
  switch (outcome.kind) {
    case 'sent':
      return { id: m.id, kind: 'sent', at: new Date(at), keepData: outcome.keepData, statusCode: outcome.statusCode ?? null };
    case 'retry':
      return { id: m.id, kind: 'retry', due: new Date(at + outcome.delayMs), error: outcome.error, statusCode: outcome.statusCode ?? null };
    case 'dead':
      return { id: m.id, kind: 'dead', error: outcome.error, keepData: outcome.keepData, statusCode: outcome.statusCode ?? null };
    case 'park':
      return { id: m.id, kind: 'park', due: new Date(outcome.untilMs) };
  }
}
