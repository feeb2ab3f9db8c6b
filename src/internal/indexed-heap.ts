/** An item of an {@link IndexedHeap}: it carries its own position, so removal is O(log n). */
export interface HeapItem {
  /** Position in the heap, or -1 when not in it. Written by the heap only. */
  slot: number;
}

/**
 * A binary min-heap whose items know their position: `remove` and `update` of any item
 * are O(log n) without a lookup table or dead entries. An item is in at most one heap.
 *
 * @example
 * const heap = new IndexedHeap<{ slot: number; at: number }>((a, b) => a.at < b.at);
 * const item = { slot: -1, at: 5 };
 * heap.push(item); heap.remove(item);
 */
export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item that is in no heap. O(log n). */
  push(item: T): void {
    item.slot = this.#items.length;
    this.#items.push(item);
    this.#siftUp(item.slot);
  }

  /** Removes and returns the smallest item. O(log n). */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Takes an item out (its slot becomes -1); no-op for an item not in the heap. O(log n). */
  remove(item: T): void {
    const items = this.#items;
    const slot = item.slot;
    if (slot < 0 || items[slot] !== item) return;
    item.slot = -1;
    const last = items.pop() as T;
    if (last === item) return;
    items[slot] = last;
    last.slot = slot;
    this.#restore(slot);
  }

  /** Restores order after the item's key changed. O(log n). */
  update(item: T): void {
    if (item.slot >= 0 && this.#items[item.slot] === item) this.#restore(item.slot);
  }

  /** Removes every item, marking each as out of the heap. */
  clear(): void {
    for (const item of this.#items) item.slot = -1;
    this.#items.length = 0;
  }

  #restore(slot: number): void {
    const items = this.#items;
    const item = items[slot] as T;
    if (slot > 0 && this.#less(item, items[(slot - 1) >> 1] as T)) this.#siftUp(slot);
    else this.#siftDown(slot);
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
      parent.slot = index;
      index = parentIndex;
    }
    items[index] = item;
    item.slot = index;
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
      childItem.slot = index;
      index = child;
    }
    items[index] = item;
    item.slot = index;
  }
}
