import { describe, it, expect } from 'vitest';
import {
  createJobify,
  createSimulatedClock,
  getJobContext,
  JobFailedError,
  JobTimeoutError,
  SmartRetry,
  UnrecoverableError,
  type JobContext,
  type JobEventMap,
} from '../../src/index.js';

function setup() {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false });
  return { clock, app, t0: clock.now() };
}

/** A promise that never settles: the attempt only ends through its timeout. */
const forever = () => new Promise<never>(() => undefined);

interface PersistedJob {
  value: string;
  context: { attempt: number; execAt: number; args: unknown[] };
}

describe('retry: a failed attempt is rescheduled with attempt + 1', () => {
  it('retry: 3 on an always-failing task makes exactly 4 calls and ends failed', async () => {
    const { clock, app } = setup();
    let calls = 0;
    const boom = new Error('boom');
    const fail = app.task(
      function fail() {
        calls++;
        return Promise.reject(boom);
      },
      { retry: 3 },
    );
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(60_000);
      expect(calls).toBe(4);
      expect(job.status).toBe('failed');
      expect(job.attempt).toBe(4);
      const error: unknown = await job.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).cause).toBe(boom);
    } finally {
      await app.stop();
    }
  });

  it('waits SmartRetry.computeDelay between attempts (+100, +200, +400 ms without jitter)', async () => {
    const { clock, app, t0 } = setup();
    const policy = new SmartRetry({ retries: 3, initialDelay: 100, jitter: false });
    const startedAt: number[] = [];
    const fail = app.task(
      function fail() {
        startedAt.push(clock.now() - t0);
        return Promise.reject(new Error('boom'));
      },
      { retry: policy },
    );
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(0);
      let due = 0;
      for (let attempt = 1; attempt <= 3; attempt++) {
        // between attempts the job waits as `scheduled`, with the next attempt number
        expect(job.status).toBe('scheduled');
        expect(job.attempt).toBe(attempt + 1);
        const delay = policy.computeDelay(attempt);
        due += delay;
        expect(job.execAt.getTime()).toBe(t0 + due);
        await clock.advance(delay - 1);
        expect(startedAt).toHaveLength(attempt);
        await clock.advance(1);
        expect(startedAt).toHaveLength(attempt + 1);
      }
      expect(startedAt).toEqual([0, 100, 300, 700]);
      expect(job.status).toBe('failed');
      expect(job.attempt).toBe(4);
    } finally {
      await app.stop();
    }
  });

  it('emits one job.retrying event per retry, with the next attempt and its due time', async () => {
    const { clock, app, t0 } = setup();
    const retrying: JobEventMap['job.retrying'][] = [];
    app.on('job.retrying', (event) => void retrying.push(event));
    const fail = app.task(
      function fail() {
        return Promise.reject(new Error('boom'));
      },
      { retry: new SmartRetry({ retries: 3, initialDelay: 100, jitter: false }) },
    );
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(1_000);
      expect(job.status).toBe('failed');
      expect(retrying.map((e) => e.attempt)).toEqual([2, 3, 4]);
      expect(retrying.map((e) => e.execAt.getTime() - t0)).toEqual([100, 300, 700]);
      expect(retrying.every((e) => e.jobId === job.id && e.error.message === 'boom')).toBe(true);
    } finally {
      await app.stop();
    }
  });
});

describe('retry: which errors are retried', () => {
  async function callsFor(error: Error, retry: number | SmartRetry) {
    const { clock, app } = setup();
    let calls = 0;
    const fail = app.task(
      function fail() {
        calls++;
        return Promise.reject(error);
      },
      { retry },
    );
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(60_000);
      return { calls, status: job.status, error: job.error };
    } finally {
      await app.stop();
    }
  }
  const noJitter = { retries: 3, initialDelay: 10, jitter: false };

  it('never retries UnrecoverableError', async () => {
    const error = new UnrecoverableError('gone');
    expect(await callsFor(error, 3)).toEqual({ calls: 1, status: 'failed', error });
  });

  it('does not retry errors of an `exclude` class', async () => {
    const policy = new SmartRetry({ ...noJitter, exclude: [TypeError] });
    expect((await callsFor(new TypeError('bad'), policy)).calls).toBe(1);
    expect((await callsFor(new RangeError('other'), policy)).calls).toBe(4);
  });

  it('retries only errors of an `include` class', async () => {
    const policy = new SmartRetry({ ...noJitter, include: [RangeError] });
    expect((await callsFor(new TypeError('bad'), policy)).calls).toBe(1);
    expect((await callsFor(new RangeError('out'), policy)).calls).toBe(4);
  });
});

describe('retry: a pending retry is persisted', () => {
  it('is part of the job snapshot (status, attempt and execAt)', async () => {
    const { clock, app, t0 } = setup();
    const fail = app.task(
      function fail(n: number) {
        return Promise.reject(new Error(`boom ${n}`));
      },
      { retry: new SmartRetry({ retries: 2, initialDelay: 250, jitter: false }) },
    );
    await app.start();
    try {
      const job = await fail.push(7);
      await clock.advance(0);
      const snapshot = job.snapshot() as unknown as PersistedJob;
      expect(snapshot.value).toBe('scheduled');
      expect(snapshot.context).toMatchObject({ attempt: 2, execAt: t0 + 250, args: [7] });
    } finally {
      await app.stop();
    }
  });

  it('survives a restart: the retry runs at its planned time with its attempt number', async () => {
    const { clock, app, t0 } = setup();
    const attempts: number[] = [];
    const flaky = app.task(
      function flaky(ctx: JobContext = getJobContext()) {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) return Promise.reject(new Error('first attempt fails'));
        return Promise.resolve(clock.now() - t0);
      },
      { retry: new SmartRetry({ retries: 2, initialDelay: 250, jitter: false }) },
    );
    await app.start();
    try {
      const { id } = await flaky.push();
      await clock.advance(0);
      await app.stop();
      await app.start();
      const restored = app.findJob(id);
      expect(restored?.status).toBe('scheduled');
      expect(restored?.attempt).toBe(2);
      await clock.advance(250);
      expect(attempts).toEqual([1, 2]);
      expect(await restored?.result()).toBe(250);
    } finally {
      await app.stop();
    }
  });
});

describe('timeout: each attempt is bounded', () => {
  it('ends a task that never resolves as timeout, exactly at +timeout ms', async () => {
    const { clock, app } = setup();
    let signal: AbortSignal | undefined;
    const hang = app.task(
      function hang(ctx: JobContext = getJobContext()) {
        signal = ctx.signal;
        return forever();
      },
      { timeout: 50 },
    );
    await app.start();
    try {
      const job = await hang.push();
      await clock.advance(49);
      expect(job.status).toBe('running');
      expect(signal?.aborted).toBe(false);
      await clock.advance(1);
      expect(job.status).toBe('timeout');
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBeInstanceOf(JobTimeoutError);
      expect(job.error).toBeInstanceOf(JobTimeoutError);
      expect(await job.wait()).toBe('timeout');
      // §5.6 fixed: a timed-out job's result() rejects with JobTimeoutError itself
      await expect(job.result()).rejects.toBeInstanceOf(JobTimeoutError);
      await expect(job.result()).rejects.toMatchObject({ jobId: job.id, timeoutMs: 50 });
    } finally {
      await app.stop();
    }
  });

  it('gives every retry its own full timeout, and the final status is timeout', async () => {
    const { clock, app, t0 } = setup();
    const startedAt: number[] = [];
    const hang = app.task(
      function hang() {
        startedAt.push(clock.now() - t0);
        return forever();
      },
      { timeout: 50, retry: new SmartRetry({ retries: 2, initialDelay: 100, jitter: false }) },
    );
    await app.start();
    try {
      const job = await hang.push();
      // attempt 1: 0–50, retry after 100 → attempt 2: 150–200, retry after 200 → attempt 3: 400–450
      await clock.advance(449);
      expect(startedAt).toEqual([0, 150, 400]);
      expect(job.status).toBe('running');
      expect(job.attempt).toBe(3);
      await clock.advance(1);
      expect(job.status).toBe('timeout');
      await expect(job.result()).rejects.toBeInstanceOf(JobTimeoutError);
      await clock.advance(10_000);
      expect(startedAt).toHaveLength(3);
    } finally {
      await app.stop();
    }
  });

  it('lets a task that finishes before its timeout succeed', async () => {
    const { clock, app } = setup();
    const timeouts: unknown[] = [];
    app.on('job.timeout', (event) => void timeouts.push(event));
    const quick = app.task(
      function quick() {
        return new Promise<string>((resolve) => clock.setTimeout(() => resolve('done'), 30));
      },
      { timeout: 50 },
    );
    await app.start();
    try {
      const job = await quick.push();
      await clock.advance(30);
      expect(job.status).toBe('success');
      await clock.advance(100);
      expect(job.status).toBe('success');
      expect(await job.result()).toBe('done');
      expect(timeouts).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
