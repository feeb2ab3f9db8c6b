import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, createActor, initialTransition, transition } from 'xstate';
import {
  type JobEvent,
  type JobRecord,
  type JobStatus,
  jobMachine,
} from '../../src/actors/job-machine.js';
import {
  type JobState,
  persistedSnapshot,
  transitionJob,
} from '../../src/actors/job-transition.js';
import { Cron } from '../../src/scheduling/cron.js';

const START = Date.UTC(2026, 0, 1);

/** A small deterministic PRNG, so a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return {
    int: (n: number) => next() % n,
    pick: <T>(items: readonly T[]): T => items[next() % items.length] as T,
  };
}

type Random = ReturnType<typeof prng>;

function randomRecord(random: Random): JobRecord {
  const cron = random.int(2) === 0;
  const maxRuns = random.pick([undefined, 1, 2, 3]);
  const spec = new Cron('*/5 * * * * *', {
    ...(maxRuns === undefined ? {} : { maxRuns }),
    maxFailures: random.pick([1, 2, 10]),
  }).toSpec();
  return {
    id: 'job-1',
    name: 'test:task',
    args: [random.int(100)],
    trigger: cron
      ? {
          type: 'cron',
          cron: spec,
          occurrence: START,
          runCount: random.int(3),
          failureCount: random.int(3),
        }
      : { type: 'push' },
    execAt: START,
    attempt: 1 + random.int(2),
  };
}

function randomEvent(random: Random): JobEvent {
  const at = START + random.int(100_000);
  const error = { name: 'Error', message: `boom ${random.int(10)}` };
  const maybe = <T>(value: T): T | undefined => (random.int(2) === 0 ? value : undefined);
  switch (random.int(7)) {
    case 0:
      return { type: 'SCHEDULE', args: [random.int(10)], trigger: { type: 'at', at }, execAt: at };
    case 1:
      return { type: 'DUE' };
    case 2:
      return { type: 'TIMEOUT' };
    case 3:
      return { type: 'CANCEL' };
    case 4: {
      const nextAt = maybe(at);
      return nextAt === undefined ? { type: 'SUCCEED' } : { type: 'SUCCEED', nextAt };
    }
    default: {
      const retryAt = maybe(at + 1);
      const nextAt = maybe(at + 2);
      return {
        type: 'FAIL',
        error,
        timedOut: random.int(3) === 0,
        ...(retryAt === undefined ? {} : { retryAt }),
        ...(nextAt === undefined ? {} : { nextAt }),
      };
    }
  }
}

function fromXState(snapshot: AnyMachineSnapshot): JobState {
  return { status: snapshot.value as JobStatus, record: snapshot.context as JobRecord };
}

describe('the job machine interpreter', () => {
  it('takes every transition XState takes, over 2,000 random event sequences', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const random = prng(seed);
      const record = randomRecord(random);
      let [snapshot] = initialTransition(jobMachine, record);
      let state: JobState = { status: 'pending', record };
      for (let step = 0; step < 12; step++) {
        const event = randomEvent(random);
        [snapshot] = transition(jobMachine, snapshot, event);
        state = transitionJob(state, event) ?? state;
        expect({ seed, step, ...state }).toEqual({ seed, step, ...fromXState(snapshot) });
      }
    }
  });

  it('reports no change for events a state ignores or that change nothing', () => {
    const record = randomRecord(prng(7));
    const scheduled: JobState = { status: 'scheduled', record };
    expect(transitionJob(scheduled, { type: 'SUCCEED' })).toBeUndefined();
    expect(transitionJob({ status: 'running', record }, { type: 'TIMEOUT' })).toBeUndefined();
    expect(transitionJob({ status: 'success', record }, { type: 'CANCEL' })).toBeUndefined();
    expect(transitionJob(scheduled, { type: 'DUE' })).toEqual({ status: 'running', record });
  });

  it('gives a persisted snapshot an XState actor of the job machine restores', () => {
    const record = randomRecord(prng(3));
    for (const status of ['scheduled', 'running', 'success'] as const) {
      const actor = createActor(jobMachine, { input: record });
      const restored = createActor(jobMachine, {
        snapshot: persistedSnapshot({ status, record }),
        input: record,
      }).start();
      expect(restored.getSnapshot().value).toBe(status);
      expect(restored.getSnapshot().context).toEqual(record);
      expect(restored.getSnapshot().status).toBe(status === 'success' ? 'done' : 'active');
      actor.stop();
    }
    const live = createActor(jobMachine, { input: record }).start();
    live.send({ type: 'SCHEDULE', args: record.args, trigger: record.trigger, execAt: START });
    expect(persistedSnapshot({ status: 'scheduled', record: live.getSnapshot().context })).toEqual(
      live.getPersistedSnapshot(),
    );
  });
});
