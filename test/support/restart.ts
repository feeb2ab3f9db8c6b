import {
  createJobify,
  createSimulatedClock,
  memoryStorage,
  type Jobify,
  type SimulatedClock,
  type Storage,
} from '../../src/index.js';

export const START = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** One clock and one storage shared by the app instances of a test, as across a restart. */
export function world() {
  const clock = createSimulatedClock(START);
  const storage = memoryStorage();
  const newApp = () => createJobify({ clock, storage, logger: false });
  return { clock, storage, newApp };
}

/** Registers an `add` task that records each call's arguments and time. */
export function withAdd(app: Jobify, clock: SimulatedClock) {
  const calls: { args: number[]; at: number }[] = [];
  const add = app.task(function add(a: number, b: number) {
    calls.push({ args: [a, b], at: clock.now() });
    return a + b;
  });
  return { add, calls };
}

/** Ids of the jobs in storage, sorted. */
export async function storedIds(storage: Storage): Promise<string[]> {
  return (await storage.load()).map((job) => job.id).sort();
}
