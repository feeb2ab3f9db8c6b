import type { Clock } from '../clock.js';
import { invalidOption, toError } from '../errors.js';
import { MinHeap } from '../internal/min-heap.js';

/**
 * Options of {@link createClockActor}.
 *
 * @example
 * const options: ClockActorOptions = { clock, onDue: (jobId) => supervisor.send(jobId, 'DUE') };
 */
export interface ClockActorOptions {
  clock: Clock;
  /** Called for every key whose time has come, earliest first. */
  onDue: (key: string) => void;
  /**
   * Called when onDue throws (with the throw coerced into an Error); the loop goes on.
   * Without it, the error is rethrown from a microtask so that it is not lost.
   */
  onError?: (error: unknown, key: string) => void;
  /**
   * Longest single timer; setTimeout caps at 2^31-1 ms (~24.8 days), so longer waits are re-armed in slices.
   * @default 2_147_483_647
   */
  maxTimerMs?: number;
}

/**
 * The one timer of an app: keys (job ids) with due times, and a single armed timer for the
 * earliest. Jobs never own timers.
 *
 * @example
 * const actor = createClockActor({ clock, onDue: (key) => console.log(key, 'is due') });
 * actor.schedule('job-1', clock.now() + 60_000);
 * actor.start();
 */
export interface ClockActor {
  /** Sets (or moves) the due time of key. O(log n). */
  schedule(key: string, at: number): void;
  /** Forgets key; no-op when absent. */
  cancel(key: string): void;
  /** Due time of key, or undefined. */
  dueAt(key: string): number | undefined;
  /** Number of keys waiting. */
  readonly size: number;
  /** Starts arming the timer (before start(), schedule() only records). Idempotent. */
  start(): void;
  /** Disarms the timer and forgets every key. Idempotent. */
  stop(): void;
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly key: string;
  live: boolean;
}

const MAX_TIMER_MS = 2_147_483_647;
/** Below this many heap entries, dead ones cost less than a rebuild. */
const REBUILD_MIN_SIZE = 1024;

function isEarlier(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function validateMaxTimerMs(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_TIMER_MS) {
    throw invalidOption('maxTimerMs', `a number of ms between 1 and ${MAX_TIMER_MS}`, value);
  }
  return value;
}

/**
 * Creates the clock actor of an app. Keys due at the same instant fire in the order they
 * were scheduled. A key that onDue schedules again, already due, fires on the next firing
 * (a 0 ms timer), never in the same loop.
 *
 * @example
 * const actor = createClockActor({ clock: createSystemClock(), onDue: wake, onError: log });
 * actor.start();
 * actor.schedule('job-1', Date.parse('2026-06-01T00:00:00Z'));
 */
export function createClockActor(options: ClockActorOptions): ClockActor {
  const { clock, onDue, onError } = options;
  const maxTimerMs = validateMaxTimerMs(options.maxTimerMs ?? MAX_TIMER_MS);
  // Rescheduled and cancelled entries stay in the heap, marked dead (lazy deletion), so the
  // heap holds entries.size live entries plus the dead ones.
  const entries = new Map<string, Entry>();
  const heap = new MinHeap<Entry>(isEarlier);
  const batch: Entry[] = [];
  let seq = 0;
  let generation = 0; // bumped by stop(), so a firing in progress drops its batch
  let started = false;
  let firing = false;
  let handle: unknown;
  let armedAt: number | undefined;

  function peekLive(): Entry | undefined {
    for (let head = heap.peek(); head !== undefined; head = heap.peek()) {
      if (head.live) return head;
      heap.pop();
    }
    return undefined;
  }

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
    const head = peekLive();
    if (head === undefined) disarm();
    else if (armedAt === undefined || head.at < armedAt) armFor(head.at);
  }

  function compactIfMostlyDead(): void {
    const dead = heap.size - entries.size;
    if (heap.size > REBUILD_MIN_SIZE && dead > entries.size) heap.retain((e) => e.live);
  }

  function onTimer(): void {
    handle = undefined;
    armedAt = undefined;
    const now = clock.now();
    // Collect first: what onDue schedules, even if already due, waits for the next firing.
    for (let head = peekLive(); head !== undefined && head.at <= now; head = peekLive()) {
      batch.push(head);
      heap.pop();
    }
    firing = true;
    try {
      fireBatch();
    } finally {
      batch.length = 0;
      firing = false;
    }
    if (started) armForHead();
  }

  function fireBatch(): void {
    const startedIn = generation;
    for (const entry of batch) {
      if (generation !== startedIn) return;
      if (!entry.live) continue; // cancelled or moved by an earlier onDue of this batch
      entry.live = false;
      entries.delete(entry.key);
      try {
        onDue(entry.key);
      } catch (error) {
        report(error, entry.key);
      }
    }
  }

  function report(error: unknown, key: string): void {
    let unreported = error;
    if (onError !== undefined) {
      try {
        onError(toError(error), key);
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
    schedule(key, at) {
      if (typeof at !== 'number' || !Number.isFinite(at)) {
        throw invalidOption('at', 'a finite number of epoch ms', at);
      }
      const previous = entries.get(key);
      if (previous !== undefined) previous.live = false;
      const entry: Entry = { at, seq: seq++, key, live: true };
      entries.set(key, entry);
      heap.push(entry);
      compactIfMostlyDead();
      if (started && !firing && (armedAt === undefined || at < armedAt)) armFor(at);
    },
    cancel(key) {
      const entry = entries.get(key);
      if (entry === undefined) return;
      entry.live = false;
      entries.delete(key);
      // An armed timer for nothing would keep the process alive; otherwise an early
      // wake-up just re-arms, cheaper than re-arming on every cancel.
      if (entries.size === 0) {
        heap.clear();
        disarm();
      } else {
        compactIfMostlyDead();
      }
    },
    dueAt: (key) => entries.get(key)?.at,
    get size() {
      return entries.size;
    },
    start() {
      if (started) return;
      started = true;
      armForHead();
    },
    stop() {
      if (!started && entries.size === 0) return;
      started = false;
      generation++;
      disarm();
      entries.clear();
      heap.clear();
    },
  };
}
