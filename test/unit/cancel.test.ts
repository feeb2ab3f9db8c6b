import { describe, expect, it } from 'vitest';
import {
  ApplicationStateError,
  JobCancelledError,
  JobStatus,
  createJobify,
  createSimulatedClock,
  getJobContext,
  memoryStorage,
} from '../../src/index.js';
import type { JobContext, JobifyEvent } from '../../src/index.js';

const START = Date.UTC(2026, 0, 1);

/** A started app with a `record` task and a `hang` task that ends only when its signal aborts. */
async function start() {
  const clock = createSimulatedClock(START);
  const app = createJobify({ clock, logger: false });
  const runs: number[] = [];
  const signals: AbortSignal[] = [];
  const record = app.task(function record(n: number) {
    runs.push(n);
    return n * 10;
  });
  const hang = app.task(function hang(ctx: JobContext = getJobContext()) {
    signals.push(ctx.signal);
    return new Promise<string>((resolve) => {
      ctx.signal.addEventListener('abort', () => resolve('saw the abort'), { once: true });
    });
  });
  const cancelled: JobifyEvent[] = [];
  app.on('job.cancelled', (event) => {
    cancelled.push(event);
  });
  await app.start();
  return {
    clock,
    app,
    record,
    hang,
    runs,
    signals,
    cancelled,
    [Symbol.asyncDispose]: () => app.stop(),
  };
}

describe('cancelling a scheduled job', () => {
  it('removes it: it never runs, and waiters hear `cancelled`', async () => {
    await using env = await start();
    const job = await env.record.schedule(1).delay(5_000, { jobId: 'later' });
    const waited = job.wait();
    expect(await job.cancel()).toBe(true);
    expect(job.status).toBe(JobStatus.CANCELLED);
    expect(job.isDone()).toBe(true);
    await expect(waited).resolves.toBe(JobStatus.CANCELLED);
    await expect(job.wait()).resolves.toBe(JobStatus.CANCELLED);
    await env.clock.advance(60_000);
    expect(env.runs).toEqual([]);
    expect(job.status).toBe(JobStatus.CANCELLED);
  });

  it('makes result() reject with JobCancelledError', async () => {
    await using env = await start();
    const job = await env.record.schedule(1).delay(5_000);
    await job.cancel();
    const error: unknown = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobCancelledError);
    expect((error as JobCancelledError).jobId).toBe(job.id);
  });

  it('takes it out of the live jobs and frees its id', async () => {
    await using env = await start();
    const job = await env.record.schedule(1).delay(5_000, { jobId: 'later' });
    const other = await env.record.schedule(2).delay(5_000);
    await job.cancel();
    expect(env.app.getActiveJobs()).toEqual([other]);
    expect(env.app.findJob('later')).toBeUndefined();
    const again = await env.record.schedule(3).delay(1_000, { jobId: 'later' });
    await env.clock.advance(5_000);
    expect(await again.result()).toBe(30);
    expect(env.runs).toEqual([3, 2]);
  });

  it('lets waitAll() resolve once nothing else is live', async () => {
    await using env = await start();
    const job = await env.record.schedule(1).delay(5_000);
    const idle = env.app.waitAll();
    await job.cancel();
    await expect(idle).resolves.toBeUndefined();
  });
});

describe('cancelling a running job', () => {
  it('aborts its signal and ends it `cancelled`', async () => {
    await using env = await start();
    const job = await env.hang.push();
    await env.clock.advance(0);
    expect(job.status).toBe(JobStatus.RUNNING);
    const signal = env.signals[0];
    expect(signal?.aborted).toBe(false);
    expect(await job.cancel()).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(JobCancelledError);
    expect(job.status).toBe(JobStatus.CANCELLED);
    await expect(job.wait()).resolves.toBe(JobStatus.CANCELLED);
    await expect(job.result()).rejects.toBeInstanceOf(JobCancelledError);
    // The task returns after the abort; that late value does not revive the job.
    await env.clock.advance(1_000);
    expect(job.status).toBe(JobStatus.CANCELLED);
    expect(env.app.getActiveJobs()).toEqual([]);
  });
});

describe('cancelling a finished job', () => {
  it('returns false and leaves its status and result as they were', async () => {
    await using env = await start();
    const job = await env.record.push(4);
    expect(await job.result()).toBe(40);
    expect(await job.cancel()).toBe(false);
    expect(job.status).toBe(JobStatus.SUCCESS);
    expect(await job.result()).toBe(40);
    expect(env.cancelled).toEqual([]);
  });

  it('returns false the second time a job is cancelled', async () => {
    await using env = await start();
    const job = await env.record.schedule(1).delay(5_000);
    expect(await job.cancel()).toBe(true);
    expect(await job.cancel()).toBe(false);
    expect(job.status).toBe(JobStatus.CANCELLED);
  });
});

describe('the job.cancelled event', () => {
  it('is emitted once per cancelled job, with its id and name', async () => {
    await using env = await start();
    const scheduled = await env.record.schedule(1).delay(5_000, { jobId: 'a' });
    const running = await env.hang.schedule().at(START, { jobId: 'b' });
    await env.clock.advance(0);
    await scheduled.cancel();
    await scheduled.cancel();
    await running.cancel();
    await env.clock.advance(10_000);
    expect(env.cancelled.map((e) => [e.type, e.jobId, e.name, e.status])).toEqual([
      ['job.cancelled', 'a', 'record', 'cancelled'],
      ['job.cancelled', 'b', 'hang', 'cancelled'],
    ]);
  });
});

describe('the signal of a task that reads it late', () => {
  it('is already aborted, with the cancel reason, when first read after the cancel', async () => {
    const clock = createSimulatedClock(START);
    const app = createJobify({ clock, logger: false });
    let release: () => void = () => undefined;
    const seen: { aborted: boolean; reason: unknown }[] = [];
    const late = app.task(async function late(ctx: JobContext = getJobContext()) {
      await new Promise<void>((resolve) => (release = resolve));
      seen.push({ aborted: ctx.signal.aborted, reason: ctx.signal.reason });
    });
    await app.start();
    try {
      const job = await late.push();
      await clock.advance(0);
      expect(job.status).toBe(JobStatus.RUNNING);
      expect(await job.cancel()).toBe(true);
      release();
      await clock.advance(0);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.aborted).toBe(true);
      expect(seen[0]?.reason).toBeInstanceOf(JobCancelledError);
    } finally {
      await app.stop();
    }
  });
});

describe('cancelling through a handle of an app run that has stopped', () => {
  it('rejects and leaves the stored job alone, so the next run still has it', async () => {
    const clock = createSimulatedClock(START);
    const storage = memoryStorage();
    const app = createJobify({ clock, storage, logger: false });
    const runs: number[] = [];
    const later = app.task(function later(n: number) {
      runs.push(n);
    });
    await app.start();
    const stale = await later.schedule(1).delay(60_000, { jobId: 'kept' });
    await app.stop();
    await app.start();
    try {
      await expect(stale.cancel()).rejects.toThrow(ApplicationStateError);
      await expect(stale.cancel()).rejects.toThrow("app.findJob('kept')");
      expect((await storage.load()).map((job) => job.id)).toEqual(['kept']);
      await clock.advance(60_000);
      expect(runs).toEqual([1]);
    } finally {
      await app.stop();
    }
  });
});
