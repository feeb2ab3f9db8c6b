import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { FINISHED_STATUSES } from '../actors/job-machine.js';
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
 *
 * Jobs wait in a plain array, each at most once (`writeQueued`), and what a job needs is
 * decided when the batch is made, from its state then: a live job is put, a finished one
 * deleted if it was ever stored. No map keyed by id, so queueing costs an array push.
 */
export class WriteBatcher {
  readonly #storage: Storage;
  readonly #serializer: Serializer;
  readonly #logger: Logger;
  readonly #clock: Clock;
  /** Jobs with a write to make; one that was taken off again has `writeQueued` false. */
  #pending: JobRuntime[] = [];
  /** How many of `#pending` still have a write to make. */
  #queued = 0;
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

  constructor(options: {
    storage: Storage;
    serializer: Serializer;
    logger: Logger;
    /** Times the backoff between retries of a failed batch. */
    clock: Clock;
  }) {
    this.#storage = options.storage;
    this.#serializer = options.serializer;
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  /** The job's state changed: store it (or, once it has finished, delete it). */
  put(runtime: JobRuntime): void {
    this.#seq += 1;
    this.#enqueue(runtime);
  }

  /** The job has finished: delete it, unless it was never stored. */
  remove(runtime: JobRuntime): void {
    this.#seq += 1;
    if (runtime.inStore) {
      this.#enqueue(runtime);
    } else if (runtime.writeQueued) {
      runtime.writeQueued = false;
      this.#queued -= 1;
    }
  }

  #enqueue(runtime: JobRuntime): void {
    if (runtime.writeQueued) return;
    runtime.writeQueued = true;
    this.#queued += 1;
    this.#pending.push(runtime);
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
    if (this.#queued === 0 && !this.#flushing) {
      this.#written = seq; // nothing left to write: the queued changes cancelled out
      return STORED;
    }
    this.#schedule();
    return (this.#pendingStored ??= createDeferred()).promise;
  }

  /** Resolves once everything queued so far has been written (retrying as needed). */
  async settled(): Promise<void> {
    while (this.#queued > 0 || this.#flushing) {
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
    const taken = this.#pending;
    this.#pending = [];
    this.#queued = 0;
    const batch = this.#batchOf(taken);
    if (batch.length === 0) {
      // Queued changes can cancel out (a job that finished before it was ever written).
      this.#written = Math.max(this.#written, this.#seq);
      this.#takeWaiter()?.resolve();
      return Promise.resolve();
    }
    const upTo = this.#seq;
    this.#flushingStored = this.#takeWaiter();
    this.#flushingUpTo = upTo;
    this.#flushing = this.#storage.write(batch).then(
      () => this.#done(upTo),
      (error: unknown) => this.#failed(error, taken),
    );
    return this.#flushing;
  }

  /** The writes the queued jobs need now; each leaves the queue. */
  #batchOf(taken: readonly JobRuntime[]): StorageWrite[] {
    const batch: StorageWrite[] = [];
    for (const runtime of taken) {
      if (!runtime.writeQueued) continue; // finished before it was ever stored
      runtime.writeQueued = false;
      if (FINISHED_STATUSES.has(runtime.status)) {
        if (runtime.inStore) batch.push({ type: 'delete', id: runtime.id });
      } else {
        batch.push({ type: 'put', job: encodeJob(runtime, this.#serializer) });
        runtime.inStore = true;
      }
    }
    return batch;
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
    if (this.#queued === 0) {
      this.#written = Math.max(this.#written, this.#seq);
      this.#takeWaiter()?.resolve();
    } else {
      this.#written = Math.max(this.#written, upTo);
      this.#schedule();
    }
    stored?.resolve();
  }

  async #failed(error: unknown, taken: readonly JobRuntime[]): Promise<void> {
    this.#failures += 1;
    this.#flushingUpTo = 0; // nothing is in flight now: callers wait for the retry
    // Every job of the failed batch is queued again (one queued meanwhile already is), and
    // its state then is what the retry writes; whoever waited for the failed batch now
    // waits for the one that carries it. A job whose put failed still counts as stored, so
    // if it finishes meanwhile its delete goes out (harmless if the put never landed).
    for (const runtime of taken) {
      if (runtime.inStore || !FINISHED_STATUSES.has(runtime.status)) this.#enqueue(runtime);
    }
    const waiting = this.#flushingStored;
    this.#flushingStored = undefined;
    if (waiting) {
      const later = this.#pendingStored;
      this.#pendingStored = waiting;
      if (later) void waiting.promise.then(() => later.resolve());
    }
    const wait = Math.min(MAX_BACKOFF_MS, 50 * 2 ** (this.#failures - 1));
    this.#logger.error({ err: error, retryInMs: wait }, 'storage write failed; retrying');
    await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, wait));
    this.#flushing = undefined;
    await this.#flush();
  }
}
