import { describe, it, expect } from 'vitest';
import { createSimulatedClock, createSystemClock } from '../../src/clock.js';
import { JobifyError } from '../../src/errors.js';

const START = Date.UTC(2026, 0, 1);

/** Lets setImmediate callbacks (the due-now flush) run, without moving simulated time. */
async function turn(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('createSimulatedClock', () => {
  it('starts at 2026-01-01 by default, or at the given instant', () => {
    expect(createSimulatedClock().now()).toBe(START);
    expect(createSimulatedClock(new Date('2030-05-05T00:00:00Z')).now()).toBe(Date.UTC(2030, 4, 5));
    expect(createSimulatedClock(1234).now()).toBe(1234);
  });

  it('never moves by itself', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('a'), 10);
    await turn();
    expect(clock.now()).toBe(START);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('fires timers in order of due time, each at its own instant', async () => {
    const clock = createSimulatedClock();
    const fired: [string, number][] = [];
    const record = (name: string) => () => fired.push([name, clock.now() - START]);
    clock.setTimeout(record('c'), 300);
    clock.setTimeout(record('a'), 100);
    clock.setTimeout(record('b'), 200);
    clock.setTimeout(record('late'), 1000);
    await clock.advance(500);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    expect(clock.now()).toBe(START + 500);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('fires ties in creation order', async () => {
    const clock = createSimulatedClock();
    const fired: number[] = [];
    for (let i = 0; i < 10; i++) clock.setTimeout(() => fired.push(i), 50);
    await clock.advance(50);
    expect(fired).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('fires timers set during callbacks when they fall due within the advance', async () => {
    const clock = createSimulatedClock();
    const fired: [string, number][] = [];
    clock.setTimeout(() => {
      fired.push(['outer', clock.now() - START]);
      clock.setTimeout(() => fired.push(['inner', clock.now() - START]), 100);
      clock.setTimeout(() => fired.push(['beyond', clock.now() - START]), 1000);
    }, 100);
    await clock.advance(500);
    expect(fired).toEqual([
      ['outer', 100],
      ['inner', 200],
    ]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('lets promise chains settle after each timer', async () => {
    const clock = createSimulatedClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        await Promise.resolve();
        await new Promise<void>((resolve) => setImmediate(resolve));
        seen.push(`async work at ${clock.now() - START}`);
      })();
    }, 100);
    clock.setTimeout(() => seen.push(`second timer at ${clock.now() - START}`), 200);
    await clock.advance(200);
    expect(seen).toEqual(['async work at 100', 'second timer at 200']);
  });

  it('fires timers already due when set without advancing time', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('zero');
      clock.setTimeout(() => fired.push('chained'), 0);
    }, 0);
    clock.setTimeout(() => fired.push('negative'), -5);
    clock.setTimeout(() => fired.push('future'), 1);
    expect(fired).toEqual([]);
    await turn();
    expect(fired).toEqual(['zero', 'negative', 'chained']);
    expect(clock.now()).toBe(START);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('clearTimeout cancels a pending timer and ignores unknown or fired handles', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    const b = clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => clock.clearTimeout(b), 15);
    clock.clearTimeout(a);
    expect(clock.pendingTimers()).toBe(2);
    await clock.advance(100);
    expect(fired).toEqual([]);
    expect(() => clock.clearTimeout(a)).not.toThrow();
    expect(() => clock.clearTimeout(undefined)).not.toThrow();
    expect(() => clock.clearTimeout({})).not.toThrow();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a due-now timer cleared before the flush does not fire', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    const handle = clock.setTimeout(() => fired.push('x'), 0);
    clock.clearTimeout(handle);
    await turn();
    expect(fired).toEqual([]);
  });

  it('advanceTo accepts a Date or epoch ms and never goes backwards', async () => {
    const clock = createSimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 60_000);
    await clock.advanceTo(new Date(START + 60_000));
    expect(clock.now()).toBe(START + 60_000);
    expect(fired).toEqual([START + 60_000]);
    await clock.advanceTo(START);
    expect(clock.now()).toBe(START + 60_000);
    await clock.advanceTo(START + 120_000);
    expect(clock.now()).toBe(START + 120_000);
  });

  it('runNext jumps to the next timer, fires every timer of that instant, then reports none', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b1'), 5000);
    clock.setTimeout(() => fired.push('a'), 1000);
    clock.setTimeout(() => fired.push('b2'), 5000);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(START + 1000);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toEqual(['a', 'b1', 'b2']);
    expect(clock.now()).toBe(START + 5000);
    expect(await clock.runNext()).toBe(false);
    expect(clock.now()).toBe(START + 5000);
  });

  it('runs concurrent advances one after the other', async () => {
    const clock = createSimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now() - START), 150);
    await Promise.all([clock.advance(100), clock.advance(100)]);
    expect(clock.now()).toBe(START + 200);
    expect(fired).toEqual([150]);
  });

  it('rejects advance with the first error after the other timers of that instant ran', async () => {
    const clock = createSimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 100);
    clock.setTimeout(() => fired.push('same instant'), 100);
    clock.setTimeout(() => fired.push('later'), 200);
    await expect(clock.advance(500)).rejects.toThrow('boom');
    expect(fired).toEqual(['same instant']);
    expect(clock.now()).toBe(START + 100);
    await clock.advance(400);
    expect(fired).toEqual(['same instant', 'later']);
    expect(clock.now()).toBe(START + 500);
  });

  it('validates its arguments, naming them', async () => {
    const clock = createSimulatedClock();
    await expect(clock.advance(-1)).rejects.toThrow(
      'Expected `ms` to be a finite number of ms >= 0, got -1',
    );
    await expect(clock.advance(Number.NaN)).rejects.toBeInstanceOf(JobifyError);
    await expect(clock.advance(Infinity)).rejects.toThrow('got Infinity');
    await expect(clock.advanceTo(new Date('nope'))).rejects.toThrow(
      'Expected `at` to be a valid Date or a finite number of epoch ms, got an invalid Date',
    );
    expect(() => createSimulatedClock(Number.NaN)).toThrow('Expected `start`');
    expect(clock.now()).toBe(START);
  });
});

describe('createSystemClock', () => {
  it('reads Date.now()', () => {
    const clock = createSystemClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
  });

  it('sets and clears real timers', async () => {
    const clock = createSystemClock();
    let fired = 0;
    const cleared = clock.setTimeout(() => fired++, 0);
    clock.clearTimeout(cleared);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 0));
    expect(fired).toBe(0);
    expect(() => clock.clearTimeout(undefined)).not.toThrow();
  });

  it('runs a 0 ms timer in this turn of the event loop, ahead of a later setImmediate', async () => {
    const clock = createSystemClock();
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      clock.setTimeout(() => order.push('timer'), 0);
      clock.setTimeout(() => order.push('negative delay'), -5);
      setImmediate(() => {
        order.push('immediate');
        resolve();
      });
    });
    await done;
    expect(order).toEqual(['timer', 'negative delay', 'immediate']);
  });
});
