import { StorageError } from '../../errors.js';
import { DataSnapshot } from './data-snapshot.js';
import { HandleTable, NO_RECORD } from './handle-table.js';
import { SLAB_CAPACITY_BYTES, SlabAllocator, offsetOf, type Slab } from './slab-allocator.js';

/*
 * A record is one block of a SlabAllocator, off the V8 heap:
 *
 *   dueAt (float64) | data length (uint32) | handle (uint32) | data | padding to 8
 *
 * The handle in the record lets a slab be scanned and its live records moved without
 * knowing their ids; the label lives in the handle table only.
 */
const HEADER_BYTES = 16;
const LENGTH_WORD = 2;
const HANDLE_WORD = 3;

/**
 * Largest `data` a record holds; larger is refused. Keeps every size an int32.
 * @example if (data.length > MAX_DATA_BYTES) throw new Error('too large');
 */
export const MAX_DATA_BYTES = 2 ** 30;

/**
 * Bytes a record with `length` bytes of data takes.
 * @example recordBytes(20); // 40
 */
export function recordBytes(length: number): number {
  return (HEADER_BYTES + length + 7) & -8;
}

/**
 * Stores one record `(dueAt, label, data)` per handle, off the V8 heap. Replacing or
 * freeing a record leaves its bytes dead; a slab left with no live record is dropped at
 * once, and while dead bytes outweigh live ones `reclaim` moves the live records of the
 * sparsest slabs to the head and drops those slabs, so memory follows the live records.
 *
 * @example
 * const arena = new RecordArena();
 * const handle = arena.newHandle();
 * arena.write(handle, Date.now(), 0, Uint8Array.of(1, 2)); // -1: no previous record
 * arena.dataReader()(handle); // Uint8Array [1, 2], a copy
 * arena.free(handle); // 0, the label of the freed record
 */
export class RecordArena {
  readonly #handles = new HandleTable();
  readonly #slabs = new SlabAllocator();
  /** Data bytes of every live record: sizes a load's snapshot. */
  #dataBytes = 0;

  /** A new handle, with no record until `write`. */
  newHandle(): number {
    return this.#handles.allocate();
  }

  /**
   * Stores a record for `handle`, copying `data`, in place of its previous record.
   * Returns the previous record's label, or -1 if it had none.
   */
  write(handle: number, dueAt: number, label: number, data: Uint8Array): number {
    const length = data.length;
    const location = this.#slabs.reserve(recordBytes(length));
    const slab = this.#slabs.slabAt(location);
    const offset = offsetOf(location);
    const word = offset >>> 2;
    slab.f64[offset >>> 3] = dueAt;
    slab.u32[word + LENGTH_WORD] = length;
    slab.u32[word + HANDLE_WORD] = handle;
    slab.bytes.set(data, offset + HEADER_BYTES);
    this.#dataBytes += length;
    // The old record's label and length come from the handle table: it is never read.
    const handles = this.#handles;
    const previous = handles.location(handle);
    const previousLabel = previous === NO_RECORD ? -1 : handles.label(handle);
    if (previous !== NO_RECORD) this.#kill(previous, handles.length(handle));
    handles.set(handle, location, label, length);
    return previousLabel;
  }

  /** Drops the handle's record and the handle; returns the record's label, or -1. */
  free(handle: number): number {
    const handles = this.#handles;
    const location = handles.location(handle);
    const label = location === NO_RECORD ? -1 : handles.label(handle);
    if (location !== NO_RECORD) this.#kill(location, handles.length(handle));
    handles.release(handle);
    return label;
  }

  dueAt(handle: number): number {
    const location = this.#handles.location(handle);
    return this.#slabs.slabAt(location).f64[offsetOf(location) >>> 3] ?? NaN;
  }

  label(handle: number): number {
    return this.#handles.label(handle);
  }

  /**
   * A function giving the data of a handle's record as it is now, copied into a fresh
   * {@link DataSnapshot}: later writes never change what it returned.
   */
  dataReader(): (handle: number) => Uint8Array {
    const snapshot = new DataSnapshot(this.#dataBytes);
    return (handle) => {
      const location = this.#handles.location(handle);
      const bytes = this.#slabs.slabAt(location).bytes;
      return snapshot.copy(bytes, offsetOf(location) + HEADER_BYTES, this.#handles.length(handle));
    };
  }

  /** True if `records` new records fit whatever their size: a cheap, pessimistic check. */
  hasRoomFor(records: number): boolean {
    return this.#slabs.hasRoomFor(records);
  }

  /**
   * Throws, before anything is stored, when records of `bytes` more could run out of slab
   * addresses; moves live records together first if that makes room.
   */
  assertRoom(bytes: number): void {
    if (this.#slabs.hasRoomForBytes(bytes)) return;
    this.compact();
    if (this.#slabs.hasRoomForBytes(bytes)) return;
    throw new StorageError(
      `Memory storage is full: ${this.#slabs.liveBytes} bytes of records are stored and ` +
        `a batch needs up to ${bytes} more, over its limit of ${SLAB_CAPACITY_BYTES} bytes.`,
    );
  }

  /**
   * While dead bytes outweigh live ones, empties the sparsest slabs into the head. Called
   * after each batch, it moves about as many bytes as the batch made dead, so no call
   * stalls for long (compare copying every record at once).
   */
  reclaim(): void {
    if (!this.#slabs.tooSparse()) return;
    for (const index of this.#slabs.sparsestFirst()) {
      if (!this.#slabs.tooSparse()) return;
      this.#evacuate(index);
    }
  }

  /** Empties every slab but the head into fresh ones (for tests and a full arena). */
  compact(): void {
    for (const index of this.#slabs.sparsestFirst()) this.#evacuate(index);
  }

  /** Bytes held by slabs, live or dead (for tests and measurement). */
  get allocatedBytes(): number {
    return this.#slabs.allocatedBytes;
  }

  #kill(location: number, length: number): void {
    this.#dataBytes -= length;
    this.#slabs.release(location, recordBytes(length));
  }

  /** Moves the live records of a slab to the head; the slab is dropped with the last one. */
  #evacuate(index: number): void {
    // An index dropped and reused since sparsestFirst() may be the head now: never that one.
    const slab: Slab | undefined = this.#slabs.movable(index);
    if (slab === undefined) return;
    for (let offset = 0; offset < slab.used && slab.live > 0;) {
      const word = offset >>> 2;
      const size = recordBytes(slab.u32[word + LENGTH_WORD] ?? 0);
      const handle = slab.u32[word + HANDLE_WORD] ?? 0;
      const here = this.#slabs.locationIn(index, offset);
      // A dead record's handle was freed, reused or moved on: it points elsewhere.
      if (this.#handles.location(handle) === here) {
        const moved = this.#slabs.reserve(size);
        const into = offsetOf(moved) >>> 2;
        copyWords(slab.u32, word, this.#slabs.slabAt(moved).u32, into, size >>> 2);
        this.#handles.move(handle, moved);
        this.#slabs.release(here, size);
      }
      offset += size;
    }
  }
}

function copyWords(from: Uint32Array, at: number, to: Uint32Array, into: number, n: number) {
  for (let i = 0; i < n; i += 1) to[into + i] = from[at + i] ?? 0;
}
