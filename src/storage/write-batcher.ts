import type { Logger } from 'pino';
import type { JobRuntime } from '../actors/job-runtime.js';
import type { Serializer } from '../serialization/serializer.js';
import { type Deferred, createDeferred } from '../internal/deferred.js';
import { encodeJob } from './job-codec.js';
import type { Storage, StorageWrite } from './storage.js';

const MAX_BACKOFF_MS = 5_000;
const STORED = Promise.resolve();

/**
 * Collects the storage writes of one tick and sends them as one batch: many transitions of
 * one job in a tick become one write of its latest state, and a job that starts and
 * finishes within a tick is never written at all. Batches go out one at a time, in order;
 * a failed batch is retried with backoff, and writes queued meanwhile supersede it.
 */
export class WriteBatcher {
  readonly #storage: Storage;
  readonly #serializer: Serializer;
  readonly #logger: Logger;
  /** Job id → the job to write, or null to delete it. */
  #pending = new Map<string, JobRuntime | null>();
  /** Resolved when the batch that takes `#pending` is stored; shared by every caller. */
  #pendingStored: Deferred<void> | undefined;
  #flushing: Promise<void> | undefined;
  /** Resolved when the batch in flight is stored. */
  #flushingStored: Deferred<void> | undefined;
  /** The highest write number the batch in flight carries. */
  #flushingUpTo = 0;
  #scheduled = false;
  #failures = 0;
  /** Every put/remove gets the next number; `#written` is the highest one stored. */
  #seq = 0;
  #written = 0;

  constructor(storage: Storage, serializer: Serializer, logger: Logger) {
    this.#storage = storage;
    this.#serializer = serializer;
    this.#logger = logger;
  }

  put(runtime: JobRuntime): void {
    this.#seq += 1;
    this.#pending.set(runtime.id, runtime);
    this.#schedule();
  }

  remove(runtime: JobRuntime): void {
    this.#seq += 1;
    if (!runtime.inStore) {
      this.#pending.delete(runtime.id);
      return;
    }
    this.#pending.set(runtime.id, null);
    this.#schedule();
  }

  /**
   * Resolves once every write queued before the call is stored. Unlike `settled()` it does
   * not wait for writes queued later, so a busy app cannot starve the caller. Every call
   * until the next batch goes out shares one promise.
   */
  persisted(): Promise<void> {
    const seq = this.#seq;
    if (this.#written >= seq) return STORED;
    if (this.#flushing && seq <= this.#flushingUpTo) {
      return (this.#flushingStored ??= createDeferred()).promise;
    }
    if (this.#pending.size === 0 && !this.#flushing) {
      this.#written = seq; // nothing left to write: the queued changes cancelled out
      return STORED;
    }
    this.#schedule();
    return (this.#pendingStored ??= createDeferred()).promise;
  }

  /** Resolves once everything queued so far has been written (retrying as needed). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0 || this.#flushing) {
      await (this.#flushing ?? this.#flush());
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#pending.size === 0) {
      // Queued changes can cancel out (a job that finished before it was ever written).
      this.#written = Math.max(this.#written, this.#seq);
      this.#takeWaiter()?.resolve();
      return Promise.resolve();
    }
    const taken = this.#pending;
    const upTo = this.#seq;
    this.#pending = new Map();
    this.#flushingStored = this.#takeWaiter();
    this.#flushingUpTo = upTo;
    const batch: StorageWrite[] = [];
    for (const [id, runtime] of taken) {
      if (runtime) {
        batch.push({ type: 'put', job: encodeJob(runtime, this.#serializer) });
        runtime.inStore = true;
      } else {
        batch.push({ type: 'delete', id });
      }
    }
    this.#flushing = this.#storage.write(batch).then(
      () => this.#done(upTo),
      (error: unknown) => this.#failed(error, taken),
    );
    return this.#flushing;
  }

  #takeWaiter(): Deferred<void> | undefined {
    const waiter = this.#pendingStored;
    this.#pendingStored = undefined;
    return waiter;
  }

  #done(upTo: number): void {
    this.#flushing = undefined;
    this.#failures = 0;
    const stored = this.#flushingStored;
    this.#flushingStored = undefined;
    if (this.#pending.size === 0) {
      this.#written = Math.max(this.#written, this.#seq);
      this.#takeWaiter()?.resolve();
    } else {
      this.#written = Math.max(this.#written, upTo);
      this.#schedule();
    }
    stored?.resolve();
  }

  async #failed(error: unknown, taken: Map<string, JobRuntime | null>): Promise<void> {
    this.#failures += 1;
    this.#flushingUpTo = 0; // nothing is in flight now: callers wait for the retry
    // Newer writes queued meanwhile win; the rest of the failed batch is tried again, and
    // whoever waited for it now waits for the batch that carries it.
    for (const [id, runtime] of taken) if (!this.#pending.has(id)) this.#pending.set(id, runtime);
    const waiting = this.#flushingStored;
    this.#flushingStored = undefined;
    if (waiting) {
      const later = this.#pendingStored;
      this.#pendingStored = waiting;
      if (later) void waiting.promise.then(() => later.resolve());
    }
    const wait = Math.min(MAX_BACKOFF_MS, 50 * 2 ** (this.#failures - 1));
    this.#logger.error({ err: error, retryInMs: wait }, 'storage write failed; retrying');
    await new Promise((resolve) => setTimeout(resolve, wait));
    this.#flushing = undefined;
    await this.#flush();
  }
}
