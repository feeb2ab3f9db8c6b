import { describe, it, expect } from 'vitest';
import { type ClockEntry, createClockActor } from '../../src/actors/clock-actor.js';
import { type Clock, createSimulatedClock } from '../../src/clock.js';
import { IndexedHeap } from '../../src/internal/indexed-heap.js';

const START = Date.UTC(2026, 0, 1);
const DAY = 24 * 60 * 60 * 1000;

interface KeyedEntry extends ClockEntry {
  readonly key: string;
  at: number;
}

interface KeyedOptions {
  clock: Clock;
  onDue: (key: string) => void;
  onError?: (error: unknown, key: string) => void;
  maxTimerMs?: number;
}

/**
 * The clock actor with one entry object per string key, so the cases read as keys
 * scheduled, moved and cancelled (the engine's entries are its jobs and alarms).
 */
function keyedActor(options: KeyedOptions) {
  const entries = new Map<string, KeyedEntry>();
  const entry = (key: string): KeyedEntry => {
    let found = entries.get(key);
    if (!found) entries.set(key, (found = { key, at: 0, seq: 0, slot: -1 }));
    return found;
  };
  const { onError } = options;
  const actor = createClockActor<KeyedEntry>({
    clock: options.clock,
    onDue: (e) => options.onDue(e.key),
    ...(onError ? { onError: (error: unknown, e: KeyedEntry) => onError(error, e.key) } : {}),
    ...(options.maxTimerMs === undefined ? {} : { maxTimerMs: options.maxTimerMs }),
  });
  return {
    schedule: (key: string, at: number) => {
      const found = entry(key);
      found.at = at;
      actor.schedule(found);
    },
    cancel: (key: string) => actor.cancel(entry(key)),
    dueAt: (key: string) => (entry(key).slot >= 0 ? entry(key).at : undefined),
    get size() {
      return actor.size;
    },
    start: () => actor.start(),
    stop: () => actor.stop(),
  };
}

/** A started actor on a simulated clock that records [key, ms since START] for each firing. */
function setup(options: Partial<KeyedOptions> = {}) {
  const clock = createSimulatedClock(START);
  const fired: [string, number][] = [];
  const actor = keyedActor({
    clock,
    onDue: (key) => fired.push([key, clock.now() - START]),
    ...options,
  });
  actor.start();
  return { clock, actor, fired };
}

describe('createClockActor', () => {
  it('arms one timer for any number of keys', async () => {
    const { clock, actor, fired } = setup();
    for (let i = 0; i < 1000; i++) actor.schedule(`job-${i}`, START + 1000 + ((i * 7919) % 1000));
    expect(actor.size).toBe(1000);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(999);
    expect(fired).toHaveLength(0);
    await clock.advance(1000);
    expect(fired).toHaveLength(1000);
    expect(actor.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires earliest first, each at its due instant, ties in schedule order', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('c', START + 300);
    actor.schedule('a', START + 100);
    actor.schedule('b2', START + 200);
    actor.schedule('b1', START + 200);
    await clock.advance(1000);
    expect(fired).toEqual([
      ['a', 100],
      ['b2', 200],
      ['b1', 200],
      ['c', 300],
    ]);
  });

  it('fires a key scheduled in the past at once', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('overdue', START - 5000);
    await clock.advance(0);
    expect(fired).toEqual([['overdue', 0]]);
  });

  it('reschedule moves a key, earlier or later', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('a', START + 100);
    actor.schedule('b', START + 200);
    actor.schedule('a', START + 300);
    actor.schedule('b', START + 50);
    expect(actor.dueAt('a')).toBe(START + 300);
    expect(actor.size).toBe(2);
    await clock.advance(1000);
    expect(fired).toEqual([
      ['b', 50],
      ['a', 300],
    ]);
  });

  it('cancel forgets a key, and disarms when nothing is left', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('a', START + 100);
    actor.schedule('b', START + 200);
    actor.cancel('a');
    actor.cancel('missing');
    expect(actor.dueAt('a')).toBeUndefined();
    await clock.advance(1000);
    expect(fired).toEqual([['b', 200]]);
    actor.schedule('c', START + 5000);
    actor.cancel('c');
    expect(clock.pendingTimers()).toBe(0);
    expect(actor.size).toBe(0);
  });

  it('onDue can reschedule the same key without being called twice in one firing', async () => {
    const clock = createSimulatedClock(START);
    const fired: number[] = [];
    const actor = keyedActor({
      clock,
      onDue: (key) => {
        fired.push(clock.now() - START);
        // Already due: must wait for the next firing, not loop.
        if (fired.length < 3) actor.schedule(key, clock.now());
        else if (fired.length === 3) actor.schedule(key, clock.now() + 100);
      },
    });
    actor.start();
    actor.schedule('again', START + 10);
    await clock.advance(10);
    expect(fired).toEqual([10, 10, 10]);
    expect(actor.dueAt('again')).toBe(START + 110);
    await clock.advance(100);
    expect(fired).toEqual([10, 10, 10, 110]);
  });

  it('a key cancelled or moved by an earlier onDue of the same batch does not fire', async () => {
    const clock = createSimulatedClock(START);
    const fired: string[] = [];
    const actor = keyedActor({
      clock,
      onDue: (key) => {
        fired.push(key);
        if (key === 'a') {
          actor.cancel('b');
          actor.schedule('c', START + 500);
        }
      },
    });
    actor.start();
    for (const key of ['a', 'b', 'c', 'd']) actor.schedule(key, START + 100);
    await clock.advance(100);
    expect(fired).toEqual(['a', 'd']);
    await clock.advance(400);
    expect(fired).toEqual(['a', 'd', 'c']);
  });

  it('an onDue that throws reaches onError, and the other keys still fire', async () => {
    const errors: [unknown, string][] = [];
    const clock = createSimulatedClock(START);
    const fired: string[] = [];
    const actor = keyedActor({
      clock,
      onDue: (key) => {
        if (key === 'bad') throw new Error('nope');
        if (key === 'weird') throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
        fired.push(key);
      },
      onError: (error, key) => errors.push([error, key]),
    });
    actor.start();
    for (const key of ['first', 'bad', 'weird', 'last']) actor.schedule(key, START + 100);
    actor.schedule('later', START + 200);
    await clock.advance(200);
    expect(fired).toEqual(['first', 'last', 'later']);
    expect(errors.map(([, key]) => key)).toEqual(['bad', 'weird']);
    expect(errors[0]?.[0]).toBeInstanceOf(Error);
    expect(errors[1]?.[0]).toBeInstanceOf(Error);
    expect((errors[1]?.[0] as Error).cause).toBe('a string');
  });

  it('fires a due time 60 days ahead at that exact instant, with one timer at a time', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('far', START + 60 * DAY);
    expect(clock.pendingTimers()).toBe(1);
    expect(await clock.runNext()).toBe(true); // first slice, ~24.8 days
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advanceTo(START + 60 * DAY - 1);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual([['far', 60 * DAY]]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('slices with a small maxTimerMs and still fires at the exact instant', async () => {
    const { clock, actor, fired } = setup({ maxTimerMs: 1000 });
    actor.schedule('x', START + 10_500);
    let slices = 0;
    while (fired.length === 0 && (await clock.runNext())) slices++;
    expect(slices).toBe(11);
    expect(fired).toEqual([['x', 10_500]]);
    expect(clock.now()).toBe(START + 10_500);
  });

  it('validates maxTimerMs and due times', () => {
    const clock = createSimulatedClock(START);
    const onDue = (): void => undefined;
    expect(() => keyedActor({ clock, onDue, maxTimerMs: 0 })).toThrow(
      'Expected `maxTimerMs` to be a number of ms between 1 and 2147483647, got 0',
    );
    expect(() => keyedActor({ clock, onDue, maxTimerMs: 2 ** 31 })).toThrow('maxTimerMs');
    const actor = keyedActor({ clock, onDue });
    expect(() => actor.schedule('a', Number.NaN)).toThrow('Expected `at`');
  });

  it('records but fires nothing before start()', async () => {
    const clock = createSimulatedClock(START);
    const fired: string[] = [];
    const actor = keyedActor({ clock, onDue: (key) => fired.push(key) });
    actor.schedule('a', START + 100);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(1000);
    expect(fired).toEqual([]);
    expect(actor.dueAt('a')).toBe(START + 100);
    actor.start();
    actor.start();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(0);
    expect(fired).toEqual(['a']);
  });

  it('stop() disarms and forgets every key, idempotently', async () => {
    const { clock, actor, fired } = setup();
    actor.schedule('a', START + 100);
    actor.schedule('b', START + 200);
    actor.stop();
    actor.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(actor.size).toBe(0);
    await clock.advance(1000);
    expect(fired).toEqual([]);
    actor.start();
    actor.schedule('c', START + 1100);
    await clock.advance(100);
    expect(fired).toEqual([['c', 1100]]);
  });

  it('stop() inside onDue drops the rest of the batch', async () => {
    const clock = createSimulatedClock(START);
    const fired: string[] = [];
    const actor = keyedActor({
      clock,
      onDue: (key) => {
        fired.push(key);
        actor.stop();
      },
    });
    actor.start();
    actor.schedule('a', START + 100);
    actor.schedule('b', START + 100);
    await clock.advance(100);
    expect(fired).toEqual(['a']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stays correct through many reschedules and cancels', async () => {
    const { clock, actor, fired } = setup();
    const expected = new Map<string, number>();
    let state = 12345;
    const random = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const key = `k${i % 10}`;
      const at = START + 1 + (random() % 100_000);
      actor.schedule(key, at);
      expected.set(key, at);
    }
    actor.cancel('k0');
    expected.delete('k0');
    expect(actor.size).toBe(9);
    expect(clock.pendingTimers()).toBe(1);
    for (const [key, at] of expected) expect(actor.dueAt(key)).toBe(at);
    await clock.advance(100_000);
    const order = [...expected].sort(([, a], [, b]) => a - b);
    expect(fired).toEqual(order.map(([key, at]) => [key, at - START]));
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('IndexedHeap', () => {
  it('removes and updates any item, and pops in order', () => {
    const heap = new IndexedHeap<{ slot: number; value: number }>((a, b) => a.value < b.value);
    let state = 11;
    const items = Array.from({ length: 400 }, () => {
      state = (state * 48271) % 2147483647;
      return { slot: -1, value: state % 1000 };
    });
    for (const item of items) heap.push(item);
    const removed = items.filter((_, i) => i % 4 === 0);
    for (const item of removed) heap.remove(item);
    expect(removed.every((item) => item.slot === -1)).toBe(true);
    const moved = items.filter((_, i) => i % 4 === 1);
    for (const item of moved) {
      item.value = 1000 - item.value;
      heap.update(item);
    }
    const kept = items.filter((_, i) => i % 4 !== 0).map((item) => item.value);
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.value);
    expect(popped).toEqual(kept.sort((a, b) => a - b));
    expect(items.every((item) => item.slot === -1)).toBe(true);
  });
});

describe('IndexedHeap as a plain priority queue', () => {
  it('pops in order after items are taken out', () => {
    const heap = new IndexedHeap<{ slot: number; value: number }>((a, b) => a.value < b.value);
    let state = 7;
    const values: number[] = [];
    const items: { slot: number; value: number }[] = [];
    for (let i = 0; i < 500; i++) {
      state = (state * 48271) % 2147483647;
      values.push(state % 1000);
      const item = { slot: -1, value: state % 1000 };
      items.push(item);
      heap.push(item);
    }
    for (const item of items) if (item.value % 3 === 0) heap.remove(item);
    const kept = values.filter((value) => value % 3 !== 0).sort((a, b) => a - b);
    expect(heap.size).toBe(kept.length);
    expect(heap.peek()?.value).toBe(kept[0]);
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.value);
    expect(popped).toEqual(kept);
    expect(heap.pop()).toBeUndefined();
  });
});
