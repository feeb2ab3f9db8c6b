import { describe, expect, it } from 'vitest';
import {
  Cron,
  JobStatus,
  MisfirePolicy,
  createJobify,
  createSimulatedClock,
  memoryStorage,
} from '../../src/index.js';
import type { MisfirePolicyValue, TaskOptions } from '../../src/index.js';

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One clock and one storage shared by the app instances of a test, as across a restart. */
function world() {
  const clock = createSimulatedClock(START);
  const storage = memoryStorage();
  const runs: number[] = [];
  /** A fresh app with a `tick` task (recording the time of each run). */
  const newApp = (options: TaskOptions = {}) => {
    const app = createJobify({ clock, storage, logger: false });
    const tick = app.task(() => void runs.push(clock.now()), { name: 'tick', ...options });
    return { app, tick };
  };
  return { clock, storage, runs, newApp };
}

describe('a cron job whose occurrence passed while stopped', () => {
  async function restartLate(misfirePolicy: MisfirePolicyValue) {
    const env = world();
    const first = env.newApp();
    await first.app.start();
    const cron = new Cron('0 * * * *', { misfirePolicy });
    await first.tick.schedule().cron(cron, { jobId: 'hourly' });
    await first.app.stop();
    await env.clock.advanceTo(START + 3.5 * HOUR); // 01:00, 02:00 and 03:00 were missed
    const second = env.newApp();
    await second.app.start();
    await env.clock.advance(0);
    return { ...env, app: second.app };
  }

  it('runs once at once with MisfirePolicy.ONCE, then keeps its schedule', async () => {
    const { app, clock, runs } = await restartLate(MisfirePolicy.ONCE);
    try {
      expect(runs).toEqual([START + 3.5 * HOUR]);
      expect(app.findJob('hourly')?.execAt.getTime()).toBe(START + 4 * HOUR);
      await clock.advanceTo(START + 4 * HOUR);
      expect(runs).toEqual([START + 3.5 * HOUR, START + 4 * HOUR]);
    } finally {
      await app.stop();
    }
  });

  it('waits for the next future match with MisfirePolicy.SKIP', async () => {
    const { app, clock, runs } = await restartLate(MisfirePolicy.SKIP);
    try {
      expect(runs).toEqual([]);
      expect(app.findJob('hourly')?.execAt.getTime()).toBe(START + 4 * HOUR);
      await clock.advanceTo(START + 4 * HOUR);
      expect(runs).toEqual([START + 4 * HOUR]);
    } finally {
      await app.stop();
    }
  });
});

describe('declarative crons across a restart', () => {
  it('keeps an unchanged one: same id, planned occurrence and run count', async () => {
    const { clock, runs, newApp } = world();
    const cron = () => new Cron('*/10 * * * *', { maxRuns: 2 });
    const first = newApp({ cron: cron() });
    await first.app.start();
    await clock.advance(10 * MINUTE);
    expect(runs).toEqual([START + 10 * MINUTE]);
    await first.app.stop();
    await clock.advance(5 * MINUTE);

    const second = newApp({ cron: cron() });
    await second.app.start();
    try {
      const job = second.app.findJob('cron:tick');
      expect(job?.execAt.getTime()).toBe(START + 20 * MINUTE);
      await clock.advance(5 * MINUTE);
      expect(job?.status).toBe(JobStatus.SUCCESS); // the second run was the last
      await clock.advance(HOUR);
      expect(runs).toEqual([START + 10 * MINUTE, START + 20 * MINUTE]);
      expect(second.app.getActiveJobs()).toEqual([]);
    } finally {
      await second.app.stop();
    }
  });

  it('replaces a changed one with the new expression: one job, same id', async () => {
    const { clock, storage, newApp } = world();
    const first = newApp({ cron: '*/10 * * * *' });
    await first.app.start();
    await first.app.stop();

    const second = newApp({ cron: '*/15 * * * *' });
    await second.app.start();
    try {
      const jobs = second.app.getActiveJobs();
      expect(jobs.map((job) => [job.id, job.cronExpression])).toEqual([
        ['cron:tick', '*/15 * * * *'],
      ]);
      expect(jobs[0]?.execAt.getTime()).toBe(START + 15 * MINUTE);
      await clock.advance(0);
      expect(await storage.load()).toMatchObject([{ id: 'cron:tick', dueAt: START + 15 * MINUTE }]);
    } finally {
      await second.app.stop();
    }
  });

  it('deletes one removed from code from storage on the next start', async () => {
    const { clock, storage, runs, newApp } = world();
    const first = newApp({ cron: '*/10 * * * *' });
    await first.app.start();
    await first.app.stop();
    expect((await storage.load()).map((job) => job.id)).toEqual(['cron:tick']);

    const second = newApp();
    await second.app.start();
    try {
      expect(second.app.findJob('cron:tick')).toBeUndefined();
      expect(await storage.load()).toEqual([]);
      expect(await storage.listSetAside()).toEqual([]);
      await clock.advance(HOUR);
      expect(runs).toEqual([]);
    } finally {
      await second.app.stop();
    }
  });
});

describe('a cron job that failed permanently', () => {
  it('leaves storage and does not come back', async () => {
    const clock = createSimulatedClock(START);
    const storage = memoryStorage();
    const newApp = () => {
      const app = createJobify({ clock, storage, logger: false });
      const fail = app.task(function fail() {
        throw new Error('always');
      });
      return { app, fail };
    };
    const first = newApp();
    await first.app.start();
    const job = await first.fail
      .schedule()
      .cron(new Cron('* * * * *', { maxFailures: 1 }), { jobId: 'doomed' });
    await clock.advance(0);
    expect((await storage.load()).map((stored) => stored.id)).toEqual(['doomed']);
    await clock.advance(MINUTE);
    expect(job.status).toBe(JobStatus.PERMANENTLY_FAILED);
    expect(await storage.load()).toEqual([]);
    await first.app.stop();

    const second = newApp();
    await second.app.start();
    try {
      expect(second.app.findJob('doomed')).toBeUndefined();
    } finally {
      await second.app.stop();
    }
  });
});
