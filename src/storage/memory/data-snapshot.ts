/** Data bytes per shared chunk: what one retained view can keep alive at most. */
const CHUNK_BYTES = 1 << 20;
/** Up to this length a byte loop copies faster than `subarray()` plus `set()`. */
const LOOP_COPY_BYTES = 64;

/**
 * Copies of record data for `load()`, packed back to back into fresh chunks and handed out
 * as views: far cheaper than one typed array per record, and no later write to the arena
 * can reach a chunk. Chunks hold only the copied bytes, so even if every view is kept
 * (a decoded `Buffer` argument is a view into its data) nothing else is retained.
 *
 * @example
 * const snapshot = new DataSnapshot(totalBytes);
 * const data = snapshot.copy(slabBytes, start, length);
 */
export class DataSnapshot {
  /** Bytes still to copy: sizes the last chunk exactly. */
  #remaining: number;
  #chunk = new Uint8Array(0);
  #at = 0;

  constructor(totalBytes: number) {
    this.#remaining = totalBytes;
  }

  /** A view of a copy of `length` bytes of `source` from `start`. */
  copy(source: Uint8Array, start: number, length: number): Uint8Array {
    this.#remaining -= length;
    if (length > CHUNK_BYTES / 16) return source.slice(start, start + length);
    if (this.#at + length > this.#chunk.length) {
      // The rest of the current chunk stays unused: less than this record, at most 1/16.
      this.#chunk = new Uint8Array(
        Math.max(length, Math.min(CHUNK_BYTES, this.#remaining + length)),
      );
      this.#at = 0;
    }
    const chunk = this.#chunk;
    const at = this.#at;
    if (length <= LOOP_COPY_BYTES) {
      for (let i = 0; i < length; i += 1) chunk[at + i] = source[start + i] ?? 0;
    } else {
      chunk.set(source.subarray(start, start + length), at);
    }
    this.#at = at + length;
    return new Uint8Array(chunk.buffer, at, length);
  }
}
