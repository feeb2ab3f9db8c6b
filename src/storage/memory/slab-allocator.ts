import { StorageError } from '../../errors.js';

/*
 * A location is an int32 naming where a block starts: `slab << 17 | offset / 8` in a
 * shared slab (each slab index owns 1 MiB of address space, so 16,384 slabs keep it under
 * 2^31 and a Smi), or `~n` (negative) for the n-th large block, which has a buffer of its
 * own. Blocks are 8-byte aligned.
 */
const UNIT_SHIFT = 3;
const SLAB_SHIFT = 17;
const UNIT_MASK = (1 << SLAB_SHIFT) - 1;
const MAX_SLABS = 2 ** (31 - SLAB_SHIFT);
const MIN_SLAB_BYTES = 16 << 10;
const MAX_SLAB_BYTES = 1 << 20;
/** A block larger than this gets its own buffer instead of filling a slab on its own. */
const LARGE_BLOCK_BYTES = 64 << 10;

/** One buffer with the views its blocks are read and written through. */
export interface Slab {
  readonly bytes: Uint8Array;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  /** Bytes handed out from the start of the slab, live or dead. */
  used: number;
  /** Bytes of the blocks not released yet. */
  live: number;
}

function createSlab(bytes: number): Slab {
  const buffer = new ArrayBuffer(bytes);
  const u32 = new Uint32Array(buffer);
  return { bytes: new Uint8Array(buffer), f64: new Float64Array(buffer), u32, used: 0, live: 0 };
}

/**
 * Byte offset of a location in its slab.
 * @example slab.f64[offsetOf(location) >>> 3]
 */
export function offsetOf(location: number): number {
  return location >= 0 ? (location & UNIT_MASK) << UNIT_SHIFT : 0;
}

/** Most new slabs that `bytes` of blocks can take. */
function slabsFor(bytes: number): number {
  // Each slab wastes less than one large block at its end; 8 covers the small first slabs.
  return Math.ceil(bytes / (MAX_SLAB_BYTES - LARGE_BLOCK_BYTES)) + 8;
}

/**
 * Hands out 8-byte aligned blocks from slabs, off the V8 heap: new blocks go to the end of
 * the head slab; a released block stays as dead bytes until its whole slab is dead, when
 * the slab is dropped (the head slab is reused from its start instead). Moving the live
 * blocks out of sparse slabs is the caller's job, which `tooSparse` and `sparsestFirst`
 * guide, since only the caller knows which blocks are live.
 *
 * @example
 * const slabs = new SlabAllocator();
 * const location = slabs.reserve(40);
 * slabs.slabAt(location).f64[offsetOf(location) >>> 3] = Date.now();
 * slabs.release(location, 40);
 */
export class SlabAllocator {
  readonly #slabs: (Slab | undefined)[] = [];
  readonly #freeSlabs: number[] = [];
  readonly #large: (Slab | undefined)[] = [];
  readonly #freeLarge: number[] = [];
  #head = -1;
  #headSlab: Slab | undefined;
  /** Capacity of the shared slabs, and the bytes of live blocks in them. */
  #slabBytes = 0;
  #liveBytes = 0;

  /** A new block of `size` bytes (a multiple of 8). */
  reserve(size: number): number {
    if (size > LARGE_BLOCK_BYTES) return this.#reserveLarge(size);
    let slab = this.#headSlab;
    if (slab === undefined || slab.used + size > slab.bytes.length) slab = this.#newHead(size);
    const location = (this.#head << SLAB_SHIFT) | (slab.used >>> UNIT_SHIFT);
    slab.used += size;
    slab.live += size;
    this.#liveBytes += size;
    return location;
  }

  /** Marks the block dead; drops its slab if that was the slab's last live block. */
  release(location: number, size: number): void {
    if (location < 0) {
      this.#large[~location] = undefined;
      this.#freeLarge.push(~location);
      return;
    }
    const index = location >>> SLAB_SHIFT;
    const slab = this.#slabs[index] as Slab;
    slab.live -= size;
    this.#liveBytes -= size;
    if (slab.live === 0) this.#drop(index, slab);
  }

  slabAt(location: number): Slab {
    return (location >= 0 ? this.#slabs[location >>> SLAB_SHIFT] : this.#large[~location]) as Slab;
  }

  /** The shared slab at `index` unless it is the head or gone: one to move blocks out of. */
  movable(index: number): Slab | undefined {
    return index === this.#head ? undefined : this.#slabs[index];
  }

  /** The location of the block at `offset` of the shared slab at `index`. */
  locationIn(index: number, offset: number): number {
    return (index << SLAB_SHIFT) | (offset >>> UNIT_SHIFT);
  }

  /** True if `blocks` new blocks fit whatever their size: a cheap, pessimistic check. */
  hasRoomFor(blocks: number): boolean {
    return this.hasRoomForBytes(blocks * LARGE_BLOCK_BYTES);
  }

  /** True if blocks of `bytes` in all fit in the slab addresses left (16 GiB in all). */
  hasRoomForBytes(bytes: number): boolean {
    return this.#slabs.length - this.#freeSlabs.length + slabsFor(bytes) <= MAX_SLABS;
  }

  /** Dead bytes outweigh live ones, and a slab's worth: time to move live blocks together. */
  tooSparse(): boolean {
    const head = this.#headSlab;
    const dead = this.#slabBytes - this.#liveBytes - (head ? head.bytes.length - head.used : 0);
    return dead > this.#liveBytes && dead > MAX_SLAB_BYTES;
  }

  /** Indices of the shared slabs, the ones with the smallest share of live bytes first. */
  sparsestFirst(): number[] {
    const share = (slab: Slab | undefined) => (slab ? slab.live / slab.bytes.length : 1);
    const slabs = this.#slabs;
    return [...slabs.keys()].sort((a, b) => share(slabs[a]) - share(slabs[b]));
  }

  /** Bytes held by slabs and large blocks, live or dead (for tests and measurement). */
  get allocatedBytes(): number {
    let large = 0;
    for (const slab of this.#large) large += slab?.bytes.length ?? 0;
    return this.#slabBytes + large;
  }

  /** Bytes the live blocks of the shared slabs take. */
  get liveBytes(): number {
    return this.#liveBytes;
  }

  #reserveLarge(size: number): number {
    const slab = createSlab(size);
    const index = this.#freeLarge.pop() ?? this.#large.length;
    this.#large[index] = slab;
    return ~index;
  }

  #newHead(size: number): Slab {
    const previous = this.#headSlab;
    this.#headSlab = undefined;
    if (previous !== undefined && previous.live === 0) this.#drop(this.#head, previous);
    // Small stores stay small: the first slabs double from 16 KiB, the later ones are 1 MiB.
    const inUse = this.#slabs.length - this.#freeSlabs.length;
    const slab = createSlab(Math.max(size, inUse >= 6 ? MAX_SLAB_BYTES : MIN_SLAB_BYTES << inUse));
    const index = this.#freeSlabs.pop() ?? this.#slabs.length;
    // Callers check hasRoomFor() first; were this reached, a location would overflow.
    if (index >= MAX_SLABS) throw new StorageError('Memory storage ran out of slab addresses.');
    this.#slabs[index] = slab;
    this.#slabBytes += slab.bytes.length;
    this.#head = index;
    this.#headSlab = slab;
    return slab;
  }

  #drop(index: number, slab: Slab): void {
    if (slab === this.#headSlab) {
      slab.used = 0;
      return;
    }
    this.#slabs[index] = undefined;
    this.#freeSlabs.push(index);
    this.#slabBytes -= slab.bytes.length;
  }
}

/**
 * The most bytes the allocator can hold in shared slabs.
 * @example `over its limit of ${SLAB_CAPACITY_BYTES} bytes`
 */
export const SLAB_CAPACITY_BYTES = MAX_SLABS * MAX_SLAB_BYTES;
