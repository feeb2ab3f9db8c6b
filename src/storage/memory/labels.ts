/** Below this many labels a table never sweeps: a sweep would free next to nothing. */
const SWEEP_FLOOR = 64;

/**
 * Interned `(name, status)` pairs, so a stored record holds one small number instead of
 * two strings: many jobs share a task name, and a status is `scheduled` or `running`.
 * Each label counts the records using it; labels nobody uses are swept once they
 * outnumber the used ones, so a stream of one-off names cannot grow the table for ever.
 *
 * @example
 * const labels = new Labels();
 * const label = labels.acquire('email:send', 'scheduled');
 * labels.nameOf(label); // 'email:send'
 * labels.release(label);
 */
export class Labels {
  readonly #names: string[] = [];
  readonly #statuses: string[] = [];
  readonly #refs: number[] = [];
  /** status → name → label: statuses are few, so the inner map of the last one is kept. */
  readonly #byStatus = new Map<string, Map<string, number>>();
  readonly #free: number[] = [];
  #unused = 0;
  // Writes often repeat the previous pair; comparing two strings beats two map lookups.
  #lastName = '';
  #lastStatus = '';
  #lastLabel = -1;
  #lastByName: Map<string, number> | undefined;

  /** The label of `(name, status)`, counting one more record that uses it. */
  acquire(name: string, status: string): number {
    let label = this.#lastLabel;
    if (label < 0 || name !== this.#lastName || status !== this.#lastStatus) {
      label = this.#find(name, status);
      this.#lastName = name;
      this.#lastLabel = label;
    }
    const refs = this.#refs[label] ?? 0;
    if (refs === 0) this.#unused -= 1;
    this.#refs[label] = refs + 1;
    return label;
  }

  /** Counts one record fewer using `label`. */
  release(label: number): void {
    const refs = (this.#refs[label] ?? 0) - 1;
    this.#refs[label] = refs;
    if (refs === 0) {
      this.#unused += 1;
      if (this.#unused > SWEEP_FLOOR && this.#unused > this.size - this.#unused) {
        this.#sweep();
      }
    }
  }

  nameOf(label: number): string {
    return this.#names[label] ?? '';
  }

  statusOf(label: number): string {
    return this.#statuses[label] ?? '';
  }

  /** Number of labels in the table, used or not (for tests). */
  get size(): number {
    return this.#names.length - this.#free.length;
  }

  #find(name: string, status: string): number {
    let byName = this.#lastByName;
    if (byName === undefined || status !== this.#lastStatus) {
      byName = this.#byStatus.get(status);
      if (byName === undefined) {
        byName = new Map();
        this.#byStatus.set(status, byName);
      }
      this.#lastStatus = status;
      this.#lastByName = byName;
    }
    const known = byName.get(name);
    if (known !== undefined) return known;
    const label = this.#free.pop() ?? this.#names.length;
    this.#names[label] = name;
    this.#statuses[label] = status;
    this.#refs[label] = 0;
    this.#unused += 1; // acquire() counts it as used right away
    byName.set(name, label);
    return label;
  }

  #sweep(): void {
    for (let label = 0; label < this.#names.length; label += 1) {
      if (this.#refs[label] !== 0) continue;
      const status = this.#statuses[label] ?? '';
      const byName = this.#byStatus.get(status);
      byName?.delete(this.#names[label] ?? '');
      if (byName?.size === 0) this.#byStatus.delete(status);
      // Marked free with -1 so a second sweep does not free it twice.
      this.#refs[label] = -1;
      this.#names[label] = '';
      this.#statuses[label] = '';
      this.#free.push(label);
    }
    this.#unused = 0;
    this.#lastLabel = -1;
    this.#lastByName = undefined;
  }
}
