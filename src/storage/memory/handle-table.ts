/**
 * The location of a handle without a record. No location equals it: large record numbers
 * stay below 2^31 - 1.
 * @example if (handles.location(handle) === NO_RECORD) return;
 */
export const NO_RECORD = -(2 ** 31);

/** Int32s a handle takes: location, label, data length. */
const STRIDE = 3;

/**
 * Stable handles for records that move: the id index maps each job to a handle once, and
 * this table (off the V8 heap, 12 bytes a handle) holds where the handle's record is now,
 * with its label and data length, so replacing a record never has to read the old one.
 * Moving a record updates a slot here instead of a `Map` entry. Freed handles are reused;
 * the table keeps the size of its high-water mark.
 *
 * @example
 * const handles = new HandleTable();
 * const handle = handles.allocate();
 * handles.set(handle, location, label, data.length);
 * handles.release(handle);
 */
export class HandleTable {
  #slots = new Int32Array(1024 * STRIDE);
  /** Handles ever handed out: every one below is in use or on the free stack. */
  #count = 0;
  #free = new Int32Array(256);
  #freeCount = 0;

  /** Handles in use. */
  get size(): number {
    return this.#count - this.#freeCount;
  }

  /** A handle with no record yet. */
  allocate(): number {
    if (this.#freeCount > 0) {
      this.#freeCount -= 1;
      return this.#free[this.#freeCount] ?? 0;
    }
    if ((this.#count + 1) * STRIDE > this.#slots.length) this.#slots = grown(this.#slots);
    const handle = this.#count;
    this.#slots[handle * STRIDE] = NO_RECORD;
    this.#count += 1;
    return handle;
  }

  release(handle: number): void {
    this.#slots[handle * STRIDE] = NO_RECORD;
    if (this.#freeCount === this.#free.length) this.#free = grown(this.#free);
    this.#free[this.#freeCount] = handle;
    this.#freeCount += 1;
  }

  /** Where the handle's record is, or NO_RECORD. */
  location(handle: number): number {
    return this.#slots[handle * STRIDE] ?? NO_RECORD;
  }

  label(handle: number): number {
    return this.#slots[handle * STRIDE + 1] ?? 0;
  }

  length(handle: number): number {
    return this.#slots[handle * STRIDE + 2] ?? 0;
  }

  set(handle: number, location: number, label: number, length: number): void {
    const slot = handle * STRIDE;
    this.#slots[slot] = location;
    this.#slots[slot + 1] = label;
    this.#slots[slot + 2] = length;
  }

  /** Points the handle at its record's new location. */
  move(handle: number, location: number): void {
    this.#slots[handle * STRIDE] = location;
  }
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
