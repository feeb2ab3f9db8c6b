import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DuplicateJobError,
  JobFailedError,
  JobStatus,
  createJobify,
  createSimulatedClock,
  getJobContext,
} from '../../src/index.js';
import type { JobContext, JobifyOptions, OuterMiddleware } from '../../src/index.js';

const START = Date.UTC(2026, 0, 1);

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock(START);
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

/** An app with an `add` task that records each call, and an outer middleware that counts. */
function setupAdd() {
  let outerCalls = 0;
  const countOuter: OuterMiddleware = async (_ctx, next) => {
    outerCalls++;
    await next();
  };
  const { clock, app } = setup({ outerMiddleware: [countOuter] });
  const calls: { args: number[]; at: number }[] = [];
  const add = app.task(function add(a: number, b: number) {
    calls.push({ args: [a, b], at: clock.now() });
    return a + b;
  });
  return { clock, app, add, calls, outerCalls: () => outerCalls };
}

describe('push', () => {
  it('runs at once with the arguments and gives the result', async () => {
    await using env = await startAdd();
    const job = await env.add.push(2, 3);
    expect(await job.result()).toBe(5);
    expect(env.calls).toEqual([{ args: [2, 3], at: START }]);
    expect(job.status).toBe(JobStatus.SUCCESS);
  });
});

describe('delay and at', () => {
  it('runs a delayed job exactly `ms` later, not before', async () => {
    await using env = await startAdd();
    const job = await env.add.schedule(1, 1).delay(5_000);
    expect(job.execAt.getTime()).toBe(START + 5_000);
    await env.clock.advance(4_999);
    expect(job.status).toBe(JobStatus.SCHEDULED);
    expect(env.calls).toEqual([]);
    await env.clock.advance(1);
    expect(job.status).toBe(JobStatus.SUCCESS);
    expect(env.calls).toEqual([{ args: [1, 1], at: START + 5_000 }]);
  });

  it('runs at a Date and at epoch ms', async () => {
    await using env = await startAdd();
    const byDate = await env.add.schedule(1, 0).at(new Date(START + 60_000));
    const byEpoch = await env.add.schedule(2, 0).at(START + 120_000);
    await env.clock.advance(59_999);
    expect(env.calls).toEqual([]);
    await env.clock.advance(1);
    expect(byDate.status).toBe(JobStatus.SUCCESS);
    expect(byEpoch.status).toBe(JobStatus.SCHEDULED);
    await env.clock.advance(60_000);
    expect(await byEpoch.result()).toBe(2);
    expect(env.calls.map((c) => c.at)).toEqual([START + 60_000, START + 120_000]);
  });

  it('runs a job whose `at` is past at once', async () => {
    await using env = await startAdd();
    const job = await env.add.schedule(4, 4).at(START - 3_600_000);
    expect(await job.result()).toBe(8);
    expect(env.calls).toEqual([{ args: [4, 4], at: START }]);
  });

  it('rejects invalid delays and instants with an error naming the option', async () => {
    await using env = await startAdd();
    const builder = env.add.schedule(1, 2);
    await expect(builder.delay(-5)).rejects.toThrow(/`delay`/);
    await expect(builder.delay(Number.NaN)).rejects.toThrow(/`delay`/);
    await expect(builder.delay('5' as unknown as number)).rejects.toThrow(/`delay`/);
    await expect(builder.at(new Date('not a date'))).rejects.toThrow(/`at`/);
    await expect(builder.at(Number.POSITIVE_INFINITY)).rejects.toThrow(/`at`/);
    expect(env.app.getActiveJobs()).toEqual([]);
  });
});

describe('job ids and replace', () => {
  it('refuses a live id without replace', async () => {
    await using env = await startAdd();
    await env.add.schedule(1, 1).delay(1_000, { jobId: 'sum' });
    await expect(env.add.schedule(2, 2).delay(2_000, { jobId: 'sum' })).rejects.toBeInstanceOf(
      DuplicateJobError,
    );
    await expect(env.add.schedule(2, 2).at(START, { jobId: 'sum' })).rejects.toBeInstanceOf(
      DuplicateJobError,
    );
  });

  it('reschedules the same Job object with replace', async () => {
    await using env = await startAdd();
    const first = await env.add.schedule(1, 1).delay(1_000, { jobId: 'sum' });
    const second = await env.add.schedule(1, 1).delay(10_000, { jobId: 'sum', replace: true });
    expect(second).toBe(first);
    expect(first.execAt.getTime()).toBe(START + 10_000);
    expect(env.app.getActiveJobs().filter((job) => job.id === 'sum')).toHaveLength(1);
    expect(env.app.findJob('sum')).toBe(first);
    await env.clock.advance(9_999);
    expect(env.calls).toEqual([]);
    await env.clock.advance(1);
    expect(env.calls).toEqual([{ args: [1, 1], at: START + 10_000 }]);
  });

  it('treats an identical `at` with the same arguments as a no-op unless forced', async () => {
    await using env = await startAdd();
    const first = await env.add.schedule(1, 1).at(START + 5_000, { jobId: 'sum' });
    expect(env.outerCalls()).toBe(1);
    const same = await env.add.schedule(1, 1).at(START + 5_000, { jobId: 'sum', replace: true });
    expect(same).toBe(first);
    expect(env.outerCalls()).toBe(1);
    const forced = await env.add
      .schedule(1, 1)
      .at(START + 5_000, { jobId: 'sum', replace: true, force: true });
    expect(forced).toBe(first);
    expect(env.outerCalls()).toBe(2);
    await env.clock.advance(5_000);
    expect(env.calls).toHaveLength(1);
  });

  it('runs the new arguments when only the arguments change (same time)', async () => {
    await using env = await startAdd();
    const first = await env.add.schedule(1, 1).at(START + 5_000, { jobId: 'sum' });
    const second = await env.add.schedule(5, 5).at(START + 5_000, { jobId: 'sum', replace: true });
    expect(second).toBe(first);
    expect(env.outerCalls()).toBe(2);
    await env.clock.advance(5_000);
    expect(await first.result()).toBe(10);
    expect(env.calls).toEqual([{ args: [5, 5], at: START + 5_000 }]);
  });

  it('accepts `force` on delay', async () => {
    await using env = await startAdd();
    const first = await env.add.schedule(1, 1).delay(5_000, { jobId: 'sum' });
    await env.add.schedule(1, 1).delay(5_000, { jobId: 'sum', replace: true });
    expect(env.outerCalls()).toBe(1);
    const forced = await env.add
      .schedule(1, 1)
      .delay(5_000, { jobId: 'sum', replace: true, force: true });
    expect(forced).toBe(first);
    expect(env.outerCalls()).toBe(2);
  });

  it('lets a finished job’s id be used again', async () => {
    await using env = await startAdd();
    const first = await env.add.schedule(1, 1).at(START, { jobId: 'sum' });
    expect(await first.result()).toBe(2);
    const second = await env.add.schedule(2, 2).delay(1_000, { jobId: 'sum' });
    expect(second).not.toBe(first);
    expect(second.status).toBe(JobStatus.SCHEDULED);
    expect(first.status).toBe(JobStatus.SUCCESS);
    await env.clock.advance(1_000);
    expect(await second.result()).toBe(4);
  });
});

describe('a job handle', () => {
  it('shows its id, name, status, due time and attempt', async () => {
    await using env = await startAdd();
    const job = await env.add.schedule(1, 2).delay(1_000, { jobId: 'sum-1' });
    expect(job.id).toBe('sum-1');
    expect(job.name).toBe('add');
    expect(job.status).toBe(JobStatus.SCHEDULED);
    expect(job.execAt).toEqual(new Date(START + 1_000));
    expect(job.attempt).toBe(1);
    expect(job.cronExpression).toBeUndefined();
    expect(job.isCron()).toBe(false);
    expect(job.isDone()).toBe(false);
    const text = job.toString();
    expect(text).toContain('sum-1');
    expect(text).toContain('add');
    expect(text).toContain('scheduled');
    expect(text).toContain(new Date(START + 1_000).toISOString());
    await env.clock.advance(1_000);
    expect(job.isDone()).toBe(true);
    expect(job.toString()).toContain('success');
  });

  it('logs and serializes as its public fields only', async () => {
    await using env = await startAdd();
    const job = await env.add.schedule(1, 2).delay(1_000, { jobId: 'sum-2' });
    expect(JSON.parse(JSON.stringify(job))).toEqual({
      id: 'sum-2',
      name: 'add',
      status: 'scheduled',
      execAt: new Date(START + 1_000).toISOString(),
      attempt: 1,
    });
    expect(inspect(job)).toBe(job.toString());
  });

  it('gives an id to a job scheduled without one', async () => {
    await using env = await startAdd();
    const a = await env.add.push(1, 1);
    const b = await env.add.push(1, 1);
    expect(a.id).not.toBe('');
    expect(a.id).not.toBe(b.id);
  });

  it('wait() resolves with the final status, even for a failed job', async () => {
    await using env = setupDisposable();
    const boom = new Error('boom');
    const fail = env.app.task(function fail(): number {
      throw boom;
    });
    await env.app.start();
    const job = await fail.push();
    await expect(job.wait()).resolves.toBe(JobStatus.FAILED);
    const error: unknown = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).cause).toBe(boom);
    expect((error as JobFailedError).jobId).toBe(job.id);
  });

  it('wait() resolves, not rejects, when the app stops before the job ran', async () => {
    await using env = await startAdd();
    const job = await env.add.schedule(1, 1).delay(5_000);
    const waited = job.wait();
    await env.app.stop();
    await expect(waited).resolves.toBe(JobStatus.SCHEDULED);
    expect(env.calls).toEqual([]);
  });

  it('gives the running job to the task through its context', async () => {
    await using env = setupDisposable();
    const seen: string[] = [];
    const whoami = env.app.task(function whoami(ctx: JobContext = getJobContext()) {
      seen.push(`${ctx.job.id} ${ctx.job.status}`);
    });
    await env.app.start();
    const job = await whoami.schedule().at(START, { jobId: 'me' });
    await job.wait();
    expect(seen).toEqual(['me running']);
  });
});

/** `setup()` plus Symbol.asyncDispose, so `await using` stops the app. */
function setupDisposable(options: JobifyOptions = {}) {
  const env = setup(options);
  return { ...env, [Symbol.asyncDispose]: () => env.app.stop() };
}

/** `setupAdd()`, started, with Symbol.asyncDispose. */
async function startAdd() {
  const env = setupAdd();
  await env.app.start();
  return { ...env, [Symbol.asyncDispose]: () => env.app.stop() };
}

describe('replacing a running job', () => {
  it('applies the new schedule once the current run ends, and runs it once', async () => {
    const { clock, app } = setup();
    const runs: { value: number; at: number }[] = [];
    let release!: () => void;
    const work = app.task(async function work(value: number) {
      runs.push({ value, at: clock.now() });
      if (value === 1) await new Promise<void>((resolve) => (release = resolve));
      return value;
    });
    await app.start();
    try {
      const job = await work.schedule(1).delay(0, { jobId: 'w' });
      await clock.advance(0);
      expect(job.status).toBe(JobStatus.RUNNING);
      const same = await work.schedule(2).delay(200, { jobId: 'w', replace: true });
      expect(same).toBe(job);
      release();
      await clock.advance(0);
      expect(job.status).toBe(JobStatus.SCHEDULED);
      await clock.advance(1_000);
      expect(runs.map((r) => r.value)).toEqual([1, 2]);
      expect(runs[1]?.at).toBe(START + 200);
      expect(job.status).toBe(JobStatus.SUCCESS);
      expect(await job.result()).toBe(2);
    } finally {
      await app.stop();
    }
  });
});
