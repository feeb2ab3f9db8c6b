import type { Clock } from '../clock.js';
import { invalidOption, toError } from '../errors.js';
import { IndexedHeap } from '../internal/indexed-heap.js';

/**
 * Something waiting on the clock: a job for its due time, or an alarm (a timeout). The
 * clock keeps the entry object itself in its heap, so waiting costs no key string, map
 * entry or wrapper per entry. `at` is the owner's: after changing it, the owner calls
 * `schedule` (or `cancel`) before anything else touches the clock. `seq` and `slot` are
 * the clock's.
 *
 * @example
 * const entry: ClockEntry = { at: Date.now() + 1_000, seq: 0, slot: -1 };
 * actor.schedule(entry);
 */
export interface ClockEntry {
  /** When the entry is due, epoch ms. */
  readonly at: number;
  /** Scheduling order, which breaks ties between entries due at the same instant. */
  seq: number;
  /** Heap position; -1 when not waiting. */
  slot: number;
}

/**
 * Options of {@link createClockActor}.
 *
 * @example
 * const options: ClockActorOptions<ClockEntry> = { clock, onDue: (entry) => wake(entry) };
 */
export interface ClockActorOptions<E extends ClockEntry> {
  clock: Clock;
  /** Called for every entry whose time has come, earliest first. */
  onDue: (entry: E) => void;
  /**
   * Called when onDue throws (with the throw coerced into an Error); the loop goes on.
   * Without it, the error is rethrown from a microtask so that it is not lost.
   */
  onError?: (error: unknown, entry: E) => void;
  /**
   * Longest single timer; setTimeout caps at 2^31-1 ms (~24.8 days), so longer waits are re-armed in slices.
   * @default 2_147_483_647
   */
  maxTimerMs?: number;
}

/**
 * The one timer of an app: entries with due times, and a single armed timer for the
 * earliest. Jobs never own timers.
 *
 * @example
 * const actor = createClockActor({ clock, onDue: (entry) => console.log(entry, 'is due') });
 * actor.schedule(new Alarm(clock.now() + 60_000, () => console.log('due')));
 * actor.start();
 */
export interface ClockActor<E extends ClockEntry> {
  /** Puts an entry in line for its `at` (or moves it there after `at` changed). O(log n). */
  schedule(entry: E): void;
  /** Forgets an entry; no-op when it is not waiting. O(log n). */
  cancel(entry: E): void;
  /** Number of entries waiting. */
  readonly size: number;
  /** Starts arming the timer (before start(), schedule() only records). Idempotent. */
  start(): void;
  /** Disarms the timer and forgets every entry. Idempotent. */
  stop(): void;
}

const MAX_TIMER_MS = 2_147_483_647;

function isDue<E extends ClockEntry>(entry: E | undefined, now: number, limit: number): entry is E {
  return entry !== undefined && entry.at <= now && entry.seq < limit;
}

function isEarlier(a: ClockEntry, b: ClockEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function validateMaxTimerMs(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_TIMER_MS) {
    throw invalidOption('maxTimerMs', `a number of ms between 1 and ${MAX_TIMER_MS}`, value);
  }
  return value;
}

/**
 * Creates the clock actor of an app. Entries due at the same instant fire in the order they
 * were scheduled. An entry that onDue schedules again, already due, fires on the next
 * firing (a 0 ms timer), never in the same loop.
 *
 * @example
 * const actor = createClockActor({ clock: createSystemClock(), onDue: wake, onError: log });
 * actor.start();
 * actor.schedule(new Alarm(Date.parse('2026-06-01T00:00:00Z'), wake));
 */
export function createClockActor<E extends ClockEntry>(
  options: ClockActorOptions<E>,
): ClockActor<E> {
  const { clock, onDue, onError } = options;
  const maxTimerMs = validateMaxTimerMs(options.maxTimerMs ?? MAX_TIMER_MS);
  const heap = new IndexedHeap<E>(isEarlier);
  let seq = 0;
  let started = false;
  let firing = false;
  let handle: unknown;
  let armedAt: number | undefined;

  function disarm(): void {
    if (armedAt === undefined) return;
    clock.clearTimeout(handle);
    handle = undefined;
    armedAt = undefined;
  }

  function armFor(at: number): void {
    disarm();
    const delay = Math.min(Math.max(at - clock.now(), 0), maxTimerMs);
    handle = clock.setTimeout(onTimer, delay);
    armedAt = at;
  }

  function armForHead(): void {
    const head = heap.peek();
    if (head === undefined) disarm();
    else if (armedAt === undefined || head.at < armedAt) armFor(head.at);
  }

  function onTimer(): void {
    handle = undefined;
    armedAt = undefined;
    const now = clock.now();
    // Entries scheduled from here on (by onDue, say), even if already due, wait for the
    // next firing: they get a seq at or past `limit`. Each entry fires as it leaves the
    // heap, so the first of a large batch does not wait for the batch to be collected.
    const limit = seq;
    firing = true;
    try {
      for (let head = heap.peek(); isDue(head, now, limit); head = heap.peek()) {
        heap.remove(head);
        try {
          onDue(head);
        } catch (error) {
          report(error, head);
        }
      }
    } finally {
      firing = false;
    }
    if (started) armForHead();
  }

  function report(error: unknown, entry: E): void {
    let unreported = error;
    if (onError !== undefined) {
      try {
        onError(toError(error), entry);
        return;
      } catch (thrown) {
        unreported = thrown;
      }
    }
    // Neither lost nor breaking the loop: it surfaces as an uncaught exception.
    queueMicrotask(() => {
      throw toError(unreported);
    });
  }

  return {
    schedule(entry) {
      const { at } = entry;
      if (typeof at !== 'number' || !Number.isFinite(at)) {
        throw invalidOption('at', 'a finite number of epoch ms', at);
      }
      entry.seq = seq++;
      if (entry.slot >= 0) heap.update(entry);
      else heap.push(entry);
      if (started && !firing && (armedAt === undefined || at < armedAt)) armFor(at);
    },
    cancel(entry) {
      if (entry.slot < 0) return;
      heap.remove(entry);
      // An armed timer for nothing would keep the process alive; otherwise an early
      // wake-up just re-arms, cheaper than re-arming on every cancel.
      if (heap.size === 0) disarm();
    },
    get size() {
      return heap.size;
    },
    start() {
      if (started) return;
      started = true;
      armForHead();
    },
    stop() {
      if (!started && heap.size === 0) return;
      started = false;
      disarm();
      heap.clear();
    },
  };
}

/**
 * A clock entry that calls `fire` when due: a timeout of an attempt, or the resumption of
 * a run interrupted by a crash.
 *
 * @example
 * actor.schedule(new Alarm(clock.now() + 5_000, () => console.log('time is up')));
 */
export class Alarm implements ClockEntry {
  at: number;
  seq = 0;
  slot = -1;
  readonly fire: () => void;

  constructor(at: number, fire: () => void) {
    this.at = at;
    this.fire = fire;
  }
}
