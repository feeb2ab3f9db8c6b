/**
 * An array-backed binary min-heap. `less(a, b)` decides order; callers that need a stable
 * order for ties put a sequence number into the comparison, since a heap is not stable.
 *
 * @example
 * const heap = new MinHeap<number>((a, b) => a < b);
 * heap.push(3); heap.push(1); heap.pop(); // 1
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  /** Number of items. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item. O(log n). */
  push(item: T): void {
    this.#items.push(item);
    this.#siftUp(this.#items.length - 1);
  }

  /** Removes and returns the smallest item; undefined when empty. O(log n). */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0] as T;
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.length = 0;
  }

  /** Keeps only the items `keep` accepts, then restores heap order. O(n). */
  retain(keep: (item: T) => boolean): void {
    const items = this.#items;
    let kept = 0;
    for (const item of items) {
      if (keep(item)) items[kept++] = item;
    }
    items.length = kept;
    for (let index = (kept >> 1) - 1; index >= 0; index--) this.#siftDown(index);
  }

  // Both sifts move a hole instead of swapping: half the writes on the hot path.
  #siftUp(start: number): void {
    const items = this.#items;
    const item = items[start] as T;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.#less(item, parent)) break;
      items[index] = parent;
      index = parentIndex;
    }
    items[index] = item;
  }

  #siftDown(start: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[start] as T;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      let childItem = items[child] as T;
      const right = child + 1;
      if (right < length && this.#less(items[right] as T, childItem)) {
        child = right;
        childItem = items[right] as T;
      }
      if (!this.#less(childItem, item)) break;
      items[index] = childItem;
      index = child;
    }
    items[index] = item;
  }
}
