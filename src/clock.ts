import { invalidOption, toError } from './errors.js';
import { IndexedHeap } from './internal/indexed-heap.js';

/**
 * Time as an injected dependency: everything in jobify that reads the time or waits goes
 * through a `Clock`, so tests can swap in {@link createSimulatedClock} and never sleep.
 *
 * @example
 * const clock: Clock = createSystemClock();
 * const handle = clock.setTimeout(() => console.log('tick', clock.now()), 1000);
 * clock.clearTimeout(handle);
 */
export interface Clock {
  /** Current wall-clock time, epoch ms. */
  now(): number;
  /** Calls `fn` once, `ms` from now; returns an opaque handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; a no-op for an unknown or already fired handle. */
  clearTimeout(handle: unknown): void;
}

/** The handle of a zero-delay timer, which runs as an immediate. */
class Immediate {
  readonly handle: ReturnType<typeof setImmediate>;

  constructor(fn: () => void) {
    this.handle = setImmediate(fn);
  }
}

/**
 * The real clock: `Date.now()` and the global timers. Timers stay ref'd on purpose: a
 * scheduler with due work should keep the process alive. A timer of 0 ms (or less) runs
 * as an immediate, in this turn of the event loop, instead of after `setTimeout`'s 1 ms
 * floor: a job pushed now starts at once, ahead of the storage batch of the same tick, so
 * a job that finishes within that tick is never written at all.
 *
 * @example
 * const app = createJobify({ clock: createSystemClock() }); // the default anyway
 */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => (ms > 0 ? setTimeout(fn, ms) : new Immediate(fn)),
    clearTimeout: (handle) => {
      if (handle instanceof Immediate) clearImmediate(handle.handle);
      else clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/**
 * A clock whose time moves only when told to. Timers fire during `advance`, `advanceTo`
 * and `runNext`, in order of due time (ties in creation order), with promise chains
 * settled after each; a timer already due when set (`setTimeout(fn, 0)`) fires on its own
 * soon after, so "due now" work runs without advancing time.
 *
 * A timer callback that throws does not break the clock: the other timers of the same
 * instant still fire, then `advance` rejects with the first error (as an Error) and time
 * stays at that instant. A throwing timer fired on its own (due when set, outside any
 * advance) throws from a `setImmediate` callback, like a real timer.
 *
 * Calls to advance/advanceTo/runNext run one after the other, in call order.
 *
 * @example
 * const clock = createSimulatedClock(Date.UTC(2026, 0, 1));
 * clock.setTimeout(() => console.log('fired'), 60_000);
 * await clock.advance(60_000); // logs 'fired'
 */
export interface SimulatedClock extends Clock {
  /** Moves time forward by ms, firing every timer that falls due, in order of due time (ties: creation order), letting promise chains settle after each. */
  advance(ms: number): Promise<void>;
  /** Same, to an absolute instant (Date or epoch ms); never moves backwards. */
  advanceTo(at: Date | number): Promise<void>;
  /** Advances to the next pending timer and fires it (and any others due at that instant). Resolves false when none is pending. */
  runNext(): Promise<boolean>;
  /** Number of pending timers. */
  pendingTimers(): number;
}

interface SimulatedTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
  /** Heap position; -1 once fired or cleared. */
  slot: number;
}

/** The engine batches storage writes per tick and tasks are async: one round is not enough. */
const SETTLE_ROUNDS = 5;

async function settle(): Promise<void> {
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function toEpochMs(value: Date | number, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw invalidOption(name, 'a valid Date or a finite number of epoch ms', value);
  }
  return ms;
}

/**
 * Creates a {@link SimulatedClock} starting at `start` (default 2026-01-01T00:00:00Z).
 *
 * @example
 * const clock = createSimulatedClock(new Date('2026-03-01T09:00:00Z'));
 * const app = createJobify({ clock });
 * await clock.advanceTo(new Date('2026-03-01T10:00:00Z'));
 */
export function createSimulatedClock(start: Date | number = Date.UTC(2026, 0, 1)): SimulatedClock {
  let now = toEpochMs(start, 'start');
  let nextId = 1;
  let advancing = false;
  let flushScheduled = false;
  let queue: Promise<unknown> = Promise.resolve();
  // Handles are ids; a cleared timer leaves the heap at once.
  const pending = new Map<number, SimulatedTimer>();
  const heap = new IndexedHeap<SimulatedTimer>(
    (a, b) => a.at < b.at || (a.at === b.at && a.id < b.id),
  );

  /** Takes a timer out, to fire it or because it was cleared. */
  function take(timer: SimulatedTimer): void {
    heap.remove(timer);
    pending.delete(timer.id);
  }

  function isDue(at: number): boolean {
    const head = heap.peek();
    return head !== undefined && head.at <= at;
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  // Fires the timers due when the flush starts; timers they set due now get a new flush,
  // so a callback that re-arms itself with 0 ms cannot starve the event loop.
  function flush(): void {
    flushScheduled = false;
    if (advancing) return; // the running advance fires them and reports their errors
    const batch: SimulatedTimer[] = [];
    for (let head = heap.peek(); head !== undefined && head.at <= now; head = heap.peek()) {
      batch.push(head);
      heap.remove(head);
    }
    let failure: { error: unknown } | undefined;
    for (const timer of batch) {
      if (!pending.delete(timer.id)) continue; // cleared by an earlier one of the batch
      try {
        timer.fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw toError(failure.error);
  }

  async function fireInstant(instant: number): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let timer = heap.peek(); timer !== undefined && timer.at <= instant;) {
      take(timer);
      try {
        timer.fn();
      } catch (error) {
        failure ??= { error };
      }
      await settle();
      timer = heap.peek();
    }
    if (failure !== undefined) throw toError(failure.error);
  }

  async function run(target: number): Promise<void> {
    advancing = true;
    try {
      // Settling may set timers due by the target; loop until it no longer does.
      do {
        for (let head = heap.peek(); head !== undefined && head.at <= target;) {
          now = Math.max(now, head.at);
          await fireInstant(now);
          head = heap.peek();
        }
        now = Math.max(now, target);
        await settle();
      } while (isDue(target));
    } finally {
      advancing = false;
      if (isDue(now)) scheduleFlush(); // left over when a timer threw
    }
  }

  function serialize<R>(step: () => Promise<R>): Promise<R> {
    const result = queue.then(step);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const timer: SimulatedTimer = { id: nextId++, at: now + delay, fn, slot: -1 };
      pending.set(timer.id, timer);
      heap.push(timer);
      if (timer.at <= now) scheduleFlush();
      return timer.id;
    },
    clearTimeout(handle) {
      const timer = typeof handle === 'number' ? pending.get(handle) : undefined;
      if (timer) take(timer);
    },
    async advance(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw invalidOption('ms', 'a finite number of ms >= 0', ms);
      }
      return serialize(() => run(now + ms));
    },
    async advanceTo(at) {
      const target = toEpochMs(at, 'at');
      return serialize(() => run(Math.max(now, target)));
    },
    runNext() {
      return serialize(async () => {
        const head = heap.peek();
        if (head === undefined) return false;
        await run(Math.max(now, head.at));
        return true;
      });
    },
    pendingTimers: () => pending.size,
  };
}
