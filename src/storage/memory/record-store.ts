import { StorageError } from '../../errors.js';
import type { StoredJob, StorageWrite } from '../storage.js';
import { Labels } from './labels.js';
import { RecordArena, recordBytes } from './record-arena.js';

/** A V8 Map holds at most 2^24 entries; one more throws a RangeError half-way through a batch. */
const MAX_JOBS = 2 ** 24;

/**
 * The live jobs of a memory storage, at a few dozen bytes of V8 heap each: one
 * `Map` entry from the job's id (a string the engine keeps alive anyway) to a Smi handle
 * of its record in an off-heap {@link RecordArena}; the task name and status are
 * interned as one {@link Labels} entry. Inputs are copied in, so a caller may reuse them.
 *
 * @example
 * const store = new RecordStore();
 * store.apply([{ type: 'put', job }]);
 * store.load(); // [a copy of job]
 */
export class RecordStore {
  readonly #index = new Map<string, number>();
  readonly #labels = new Labels();
  readonly #arena = new RecordArena();

  /** Number of live jobs. */
  get size(): number {
    return this.#index.size;
  }

  /** Bytes held off-heap for records, live or dead (for tests and measurement). */
  get allocatedBytes(): number {
    return this.#arena.allocatedBytes;
  }

  /** Number of interned name/status pairs (for tests). */
  get labelCount(): number {
    return this.#labels.size;
  }

  /**
   * Applies a batch that `checkWrites` accepted, in order. The only failures left, a full
   * index or arena, are detected before the first write, so a batch is stored whole or
   * not at all.
   */
  apply(batch: readonly StorageWrite[]): void {
    // Only near a limit is it worth a pass over the batch to count exactly.
    if (this.#index.size + batch.length > MAX_JOBS) this.#assertRoomForIds(batch);
    if (!this.#arena.hasRoomFor(batch.length)) this.#arena.assertRoom(bytesOf(batch));
    for (const change of batch) {
      if (change.type === 'put') this.#put(change.job);
      else this.delete(change.id);
    }
    this.#arena.reclaim();
  }

  /** Removes a job; an unknown id is ignored. */
  delete(id: string): void {
    const handle = this.#index.get(id);
    if (handle === undefined) return;
    this.#index.delete(id);
    this.#labels.release(this.#arena.free(handle));
  }

  /** Every live job, as fresh objects over a fresh copy of the data. */
  load(): StoredJob[] {
    const jobs: StoredJob[] = [];
    const arena = this.#arena;
    const labels = this.#labels;
    const dataOf = arena.dataReader();
    this.#index.forEach((handle, id) => {
      const label = arena.label(handle);
      jobs.push({
        id,
        name: labels.nameOf(label),
        status: labels.statusOf(label),
        dueAt: arena.dueAt(handle),
        data: dataOf(handle),
      });
    });
    return jobs;
  }

  /** Moves every record into fresh slabs now, whatever the dead bytes (for tests). */
  compact(): void {
    this.#arena.compact();
  }

  #assertRoomForIds(batch: readonly StorageWrite[]): void {
    const added = newIds(batch, this.#index);
    if (this.#index.size + added <= MAX_JOBS) return;
    throw new StorageError(
      `Memory storage is full: it holds ${this.#index.size} jobs and a batch adds ${added}, ` +
        `over its limit of ${MAX_JOBS} (the most entries a V8 Map takes).`,
    );
  }

  #put(job: StoredJob): void {
    const label = this.#labels.acquire(job.name, job.status);
    let handle = this.#index.get(job.id);
    if (handle === undefined) {
      handle = this.#arena.newHandle();
      this.#index.set(job.id, handle);
    }
    // An overwrite keeps its handle: the index is not written again.
    const previous = this.#arena.write(handle, job.dueAt, label, job.data);
    if (previous >= 0) this.#labels.release(previous);
  }
}

/** An upper bound of the arena bytes the puts of `batch` need. */
function bytesOf(batch: readonly StorageWrite[]): number {
  let bytes = 0;
  for (const change of batch) {
    if (change.type === 'put') bytes += recordBytes(change.job.data.length);
  }
  return bytes;
}

/** Ids `batch` puts that `index` does not hold yet. */
function newIds(batch: readonly StorageWrite[], index: Map<string, number>): number {
  const ids = new Set<string>();
  for (const change of batch) {
    if (change.type === 'put' && !index.has(change.job.id)) ids.add(change.job.id);
  }
  return ids.size;
}
