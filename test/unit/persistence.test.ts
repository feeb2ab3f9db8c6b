import { describe, expect, it } from 'vitest';
import {
  JobStatus,
  SerializationError,
  createJobify,
  createSimulatedClock,
  memoryStorage,
} from '../../src/index.js';
import type { Storage } from '../../src/index.js';
import { MINUTE, START, storedIds, withAdd, world } from '../support/restart.js';

describe('what is persisted', () => {
  it('never stores durable: false jobs, and they do not come back', async () => {
    const { clock, storage, newApp } = world();
    const app = newApp();
    let fleetingRuns = 0;
    const fleeting = app.task(() => void fleetingRuns++, { name: 'fleeting', durable: false });
    const kept = app.task(function kept() {});
    await app.start();
    try {
      const gone = await fleeting.schedule().delay(MINUTE);
      const stays = await kept.schedule().delay(MINUTE);
      await clock.advance(0);
      expect(await storedIds(storage)).toEqual([stays.id]);
      await app.stop();
      await app.start();
      expect(app.findJob(gone.id)).toBeUndefined();
      expect(app.getActiveJobs().map((job) => job.id)).toEqual([stays.id]);
      await clock.advance(MINUTE);
      expect(fleetingRuns).toBe(0);
    } finally {
      await app.stop();
    }
  });

  it('persists nothing with storage: false', async () => {
    const clock = createSimulatedClock(START);
    const app = createJobify({ clock, storage: false, logger: false });
    const { add, calls } = withAdd(app, clock);
    await app.start();
    try {
      await add.schedule(1, 2).delay(MINUTE);
      await app.stop();
      await app.start();
      expect(app.getActiveJobs()).toEqual([]);
      await clock.advance(MINUTE);
      expect(calls).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('removes a one-off job from storage once it has finished', async () => {
    const { clock, storage, newApp } = world();
    const app = newApp();
    const { add } = withAdd(app, clock);
    const fail = app.task(function fail() {
      throw new Error('no');
    });
    await app.start();
    try {
      const ok = await add.schedule(1, 2).delay(MINUTE);
      const failed = await fail.schedule().delay(MINUTE);
      await clock.advance(0);
      expect(await storedIds(storage)).toEqual([ok.id, failed.id].sort());
      await clock.advance(MINUTE);
      expect([ok.status, failed.status]).toEqual([JobStatus.SUCCESS, JobStatus.FAILED]);
      expect(await storedIds(storage)).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('arguments that cannot be stored', () => {
  class Connection {
    readonly open = true;
  }

  it('make schedule() of a durable task reject, naming the task and the argument', async () => {
    const { newApp } = world();
    const app = newApp();
    const call = app.task(function callBack(_n: number, _arg: unknown) {});
    await app.start();
    try {
      const fn = call.schedule(1, () => 1).push();
      await expect(fn).rejects.toBeInstanceOf(SerializationError);
      await expect(fn).rejects.toThrow(/'callBack'.*argument 1/);
      await expect(call.push(1, new Connection())).rejects.toThrow(/argument 1.*Connection/);
      expect(app.getActiveJobs()).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('are accepted by a task that is not durable', async () => {
    const { newApp } = world();
    const app = newApp();
    const call = app.task(
      function callBack(fn: () => number, conn: Connection) {
        return [fn(), conn.open];
      },
      { durable: false },
    );
    await app.start();
    try {
      const job = await call.push(() => 7, new Connection());
      expect(await job.result()).toEqual([7, true]);
    } finally {
      await app.stop();
    }
  });
});

describe('when schedule() resolves', () => {
  it('resolves only once the job is in storage, so a crash right after cannot lose it', async () => {
    const clock = createSimulatedClock(START);
    const inner = memoryStorage();
    let release: (() => void) | undefined;
    const storage: Storage = {
      ...inner,
      write: (batch) =>
        new Promise<void>((resolve) => {
          release = () => void inner.write(batch).then(resolve);
        }),
    };
    const app = createJobify({ clock, storage, logger: false });
    const { add } = withAdd(app, clock);
    await app.start();
    try {
      let resolved = false;
      const scheduling = add
        .schedule(1, 2)
        .delay(MINUTE, { jobId: 'kept' })
        .then(() => (resolved = true));
      await clock.advance(0);
      expect(release).toBeDefined();
      expect(resolved).toBe(false);
      expect(await storedIds(inner)).toEqual([]);
      release?.();
      await scheduling;
      expect(await storedIds(inner)).toEqual(['kept']);
    } finally {
      await app.stop();
    }
  });

  it('writes nothing for a job that finishes in the tick it is pushed (system clock)', async () => {
    const inner = memoryStorage();
    const batches: number[] = [];
    const storage: Storage = {
      ...inner,
      write: (batch) => {
        batches.push(batch.length);
        return inner.write(batch);
      },
    };
    const app = createJobify({ storage, logger: false });
    const quick = app.task(function quick(n: number) {
      return n + 1;
    });
    await app.start();
    try {
      const jobs = await Promise.all([quick.push(1), quick.push(2), quick.push(3)]);
      expect(await Promise.all(jobs.map((job) => job.result()))).toEqual([2, 3, 4]);
      expect(batches).toEqual([]);
      expect(await storedIds(inner)).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
