import { setTimeout as sleepFor } from 'node:timers/promises';

/** Wall-clock epoch ms with sub-millisecond resolution, comparable to `Date.now()`. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`; the timer does not keep the process alive on its own. */
export function sleep(ms: number): Promise<void> {
  return sleepFor(ms, undefined, { ref: false });
}

/** Rejects with a message naming `what` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A counter that resolves `reached(n)` once it has been bumped `n` times; cheaper than
 * polling, and bounded by `withTimeout` at the call site.
 *
 * @example
 * const done = createCounter(); worker.on('completed', () => done.bump());
 * await withTimeout(done.reached(1000), 30_000, 'all jobs completed');
 */
export function createCounter(): {
  bump(): void;
  readonly value: number;
  reached(n: number): Promise<void>;
} {
  let value = 0;
  let target = Infinity;
  let wake: (() => void) | undefined;
  return {
    bump() {
      value += 1;
      if (value >= target) wake?.();
    },
    get value() {
      return value;
    },
    reached(n) {
      if (value >= n) return Promise.resolve();
      target = n;
      return new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

/** Runs `fn` over `items` in slices of `size`, each slice concurrently, slices in order. */
export async function inSlices<T>(
  count: number,
  size: number,
  fn: (index: number) => Promise<T>,
): Promise<void> {
  for (let start = 0; start < count; start += size) {
    const end = Math.min(count, start + size);
    const slice: Promise<T>[] = [];
    for (let i = start; i < end; i++) slice.push(fn(i));
    await Promise.all(slice);
  }
}
