import { describe, expect, it } from 'vitest';
import {
  JobStatus,
  SmartRetry,
  createRouter,
  getJobContext,
  msgpackSerializer,
} from '../../src/index.js';
import type { Jobify } from '../../src/index.js';
import { FORMAT_ONE, formatOneJob } from '../support/format-one.js';
import { HOUR, MINUTE, START, storedIds, withAdd, world } from '../support/restart.js';

/** Collects [jobId, result] of every job that succeeds on `app`. */
function successes(app: Jobify): [string, unknown][] {
  const seen: [string, unknown][] = [];
  app.on('job.succeeded', (event) => void seen.push([event.jobId, event.result]));
  return seen;
}

describe('one-off jobs across a restart', () => {
  it('runs a delayed job on the next app at its time, with its args and id', async () => {
    const { clock, storage, newApp } = world();
    const app1 = newApp();
    const first = withAdd(app1, clock);
    await app1.start();
    const job = await first.add.schedule(2, 3).delay(10_000);
    await clock.advance(4_000);
    await app1.stop();
    expect(await storedIds(storage)).toEqual([job.id]);

    const app2 = newApp();
    const second = withAdd(app2, clock);
    await app2.start();
    try {
      const restored = app2.findJob(job.id);
      expect(restored?.execAt.getTime()).toBe(START + 10_000);
      await clock.advance(5_999);
      expect(second.calls).toEqual([]);
      await clock.advance(1);
      expect(second.calls).toEqual([{ args: [2, 3], at: START + 10_000 }]);
      expect(await restored?.result()).toBe(5);
      expect(first.calls).toEqual([]);
    } finally {
      await app2.stop();
    }
  });

  it('runs an `at` job that became overdue while stopped at once', async () => {
    const { clock, newApp } = world();
    const app1 = newApp();
    const { add } = withAdd(app1, clock);
    await app1.start();
    const job = await add.schedule(1, 1).at(START + MINUTE);
    await app1.stop();
    await clock.advance(HOUR);

    const app2 = newApp();
    const { calls } = withAdd(app2, clock);
    const succeeded = successes(app2);
    await app2.start();
    try {
      await clock.advance(0);
      expect(calls).toEqual([{ args: [1, 1], at: START + HOUR }]);
      expect(succeeded).toEqual([[job.id, 2]]);
    } finally {
      await app2.stop();
    }
  });

  it('keeps a pending retry with its attempt and due time', async () => {
    const { clock, newApp } = world();
    const retry = new SmartRetry({ retries: 2, initialDelay: 1_000, jitter: false });
    const attempts: number[] = [];
    const register = (app: Jobify) =>
      app.task(
        function flaky(ctx = getJobContext()) {
          attempts.push(ctx.attempt);
          if (ctx.attempt === 1) throw new Error('first attempt fails');
          return 'ok';
        },
        { retry },
      );
    const app1 = newApp();
    const flaky = register(app1);
    await app1.start();
    const job = await flaky.push();
    await clock.advance(0);
    expect([job.status, job.attempt]).toEqual([JobStatus.SCHEDULED, 2]);
    await app1.stop();

    const app2 = newApp();
    register(app2);
    await app2.start();
    try {
      const restored = app2.findJob(job.id);
      expect([restored?.attempt, restored?.execAt.getTime()]).toEqual([2, START + 1_000]);
      await clock.advance(999);
      expect(attempts).toEqual([1]);
      await clock.advance(1);
      expect(await restored?.result()).toBe('ok');
      expect(attempts).toEqual([1, 2]);
    } finally {
      await app2.stop();
    }
  });

  it('brings back a job of a router nested after attaching', async () => {
    const { clock, newApp } = world();
    const app = newApp();
    const outer = createRouter({ prefix: 'outer' });
    app.includeRouter(outer);
    const inner = createRouter({ prefix: 'inner' });
    const ping = inner.task(function ping() {
      return 'pong';
    });
    outer.includeRouter(inner);
    await app.start();
    try {
      const job = await ping.schedule().delay(MINUTE);
      await app.stop();
      await app.start();
      const restored = app.findJob(job.id);
      expect(restored?.name).toBe('outer.inner:ping');
      await clock.advance(MINUTE);
      expect(await restored?.result()).toBe('pong');
    } finally {
      await app.stop();
    }
  });
});

describe('a job running when the app stops', () => {
  /** A task whose first run waits for its signal to abort; later runs return at once. */
  function register(app: Jobify) {
    const runs: { recovered: boolean; signal: AbortSignal }[] = [];
    const task = app.task(async function longRun(n: number, ctx = getJobContext()) {
      runs.push({ recovered: ctx.recovered, signal: ctx.signal });
      if (runs.length === 1) {
        await new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      }
      return n * 2;
    });
    return { task, runs };
  }

  it('has its signal aborted by stop() and stays stored as running', async () => {
    const { clock, storage, newApp } = world();
    const app = newApp();
    const { task, runs } = register(app);
    await app.start();
    const job = await task.push(21);
    await clock.advance(0);
    expect(job.status).toBe(JobStatus.RUNNING);
    await app.stop();
    expect(runs[0]?.signal.aborted).toBe(true);
    expect(await job.wait()).toBe(JobStatus.RUNNING);
    expect(await storage.load()).toMatchObject([{ id: job.id, status: 'running' }]);
  });

  it('runs again on the next start with ctx.recovered', async () => {
    const { clock, storage, newApp } = world();
    const app = newApp();
    const { task, runs } = register(app);
    await app.start();
    const job = await task.push(21);
    await clock.advance(0);
    await app.stop();
    const succeeded = successes(app);
    await app.start();
    try {
      await clock.advance(0);
      expect(succeeded).toEqual([[job.id, 42]]);
      expect(runs.map((run) => run.recovered)).toEqual([false, true]);
      expect(await storedIds(storage)).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('records that cannot be restored', () => {
  it('sets aside a record whose task is gone, and starts anyway', async () => {
    const { clock, storage, newApp } = world();
    const app1 = newApp();
    const { add } = withAdd(app1, clock);
    const gone = app1.task(function retiredTask() {});
    await app1.start();
    const orphan = await gone.schedule().delay(MINUTE);
    const live = await add.schedule(1, 1).delay(MINUTE);
    await app1.stop();

    const app2 = newApp();
    withAdd(app2, clock);
    await app2.start();
    try {
      const setAside = await storage.listSetAside();
      expect(setAside.map((entry) => entry.job.id)).toEqual([orphan.id]);
      expect(setAside[0]?.reason).toContain('retiredTask');
      expect(await storedIds(storage)).toEqual([live.id]);
      const restored = app2.findJob(live.id);
      await clock.advance(MINUTE);
      expect(await restored?.result()).toBe(2);
    } finally {
      await app2.stop();
    }
  });

  it('sets aside a record with corrupt data, and starts anyway', async () => {
    const { clock, storage, newApp } = world();
    const job = { id: 'broken', name: 'add', status: 'scheduled', dueAt: START };
    await storage.write([{ type: 'put', job: { ...job, data: Uint8Array.of(0xc1, 0xff) } }]);
    const app = newApp();
    const { add } = withAdd(app, clock);
    await app.start();
    try {
      const setAside = await storage.listSetAside();
      expect(setAside).toMatchObject([{ job: { id: 'broken' } }]);
      expect(setAside[0]?.reason).not.toBe('');
      expect(app.findJob('broken')).toBeUndefined();
      expect(await (await add.push(2, 2)).result()).toBe(4);
    } finally {
      await app.stop();
    }
  });
});

describe('jobs stored by an earlier version (format 1)', () => {
  it('come back as they were and are stored in format 2 from then on', async () => {
    const { clock, storage, newApp } = world();
    await storage.write(FORMAT_ONE.map((record) => ({ type: 'put', job: formatOneJob(record) })));
    await clock.advanceTo(START + 20);
    const app = newApp();
    const calls: { task: string; args: unknown[]; attempt: number; recovered: boolean }[] = [];
    const record = (task: string, args: unknown[]) => {
      const ctx = getJobContext();
      calls.push({ task, args, attempt: ctx.attempt, recovered: ctx.recovered });
    };
    app.task(function send(to: string, options: Map<string, Date>) {
      record('send', [to, options]);
    });
    app.task(
      function flaky(n: number) {
        record('flaky', [n]);
      },
      { retry: new SmartRetry({ retries: 3, jitter: false, initialDelay: 1000 }) },
    );
    app.task(function tick() {
      record('tick', []);
    });
    app.task(function slow() {
      record('slow', []);
    });
    await app.start();
    try {
      expect(await storage.listSetAside()).toEqual([]);
      expect(
        app
          .getActiveJobs()
          .map((job) => job.id)
          .sort(),
      ).toEqual(FORMAT_ONE.map((r) => r.id).sort());
      expect(app.findJob('cron-job')?.execAt.getTime()).toBe(START + 5 * MINUTE);
      await clock.advance(0);
      expect(calls).toEqual([{ task: 'slow', args: [], attempt: 1, recovered: true }]);
      await clock.advanceTo(START + MINUTE);
      expect(calls.slice(1)).toEqual([
        { task: 'flaky', args: [7], attempt: 2, recovered: false },
        {
          task: 'send',
          args: ['a@b.c', new Map([['when', new Date(START + 5)]])],
          attempt: 1,
          recovered: false,
        },
      ]);
      expect(await storedIds(storage)).toEqual(['cron-job']);
      await clock.advanceTo(START + 5 * MINUTE);
      expect(calls.at(-1)).toMatchObject({ task: 'tick' });
      const [cron] = await storage.load();
      expect(Array.isArray(msgpackSerializer().decode(cron?.data ?? new Uint8Array()))).toBe(true);
    } finally {
      await app.stop();
    }
  });
});
