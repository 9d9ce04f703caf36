/**
 * What is to happen once a transaction has committed — never before — and what undoes a
 * reservation made for it when it does not commit. The owner of the transaction (a service: it
 * owns the boundary) creates one with `afterCommit`, passes it down beside `tx`, and it is settled
 * by the boundary itself: `committed` once the transaction (or the one statement run outside any)
 * resolved, `abandoned` when it threw — a rollback, or a commit whose outcome is unknown.
 *
 * A hook is added by a writer whose rows are part of that commit (the outbox's deliveries handed
 * to this process's worker: docs/architecture.md, the outbox). The hooks assume every write made
 * for them commits with the transaction: nothing rolls back to a savepoint in between, and the
 * work is not retried inside one `afterCommit` (a retry is a new `afterCommit`).
 */

export class AfterCommit {
  readonly #hooks: { onCommit: () => void; onAbandon: () => void }[] = [];
  #settled = false;

  /** `onCommit` runs after the commit; `onAbandon` instead if the transaction does not commit */
  add(onCommit: () => void, onAbandon: () => void): void {
    if (this.#settled) throw new Error('AfterCommit: the transaction has already ended');
    this.#hooks.push({ onCommit, onAbandon });
  }

  /** the transaction committed: each hook's `onCommit` (a throwing hook does not stop the others) */
  committed(): void {
    this.#settle((h) => h.onCommit());
  }

  /** the transaction did not commit (or may not have): each hook's `onAbandon` */
  abandoned(): void {
    this.#settle((h) => h.onAbandon());
  }

  #settle(run: (h: { onCommit: () => void; onAbandon: () => void }) => void): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const h of this.#hooks.splice(0)) {
      try {
        run(h);
      } catch {
        // a hook's failure is its own (it logs); the caller's transaction has its outcome already
      }
    }
  }
}

/**
 * Runs `work` — one transaction, or one statement outside any — with an AfterCommit, and settles
 * it when `work` is over: committed if it resolved, abandoned if it threw (the error is rethrown).
 */
export async function afterCommit<T>(work: (after: AfterCommit) => Promise<T>): Promise<T> {
  const after = new AfterCommit();
  let result: T;
  try {
    result = await work(after);
  } catch (error) {
    after.abandoned();
    throw error;
  }
  after.committed();
  return result;
}
