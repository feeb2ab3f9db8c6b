import { describe, it, expect } from 'vitest';
import {
  createJobify,
  createRouter,
  createSimulatedClock,
  JobFailedError,
  JobTimeoutError,
  type ExceptionHandler,
  type JobContext,
  type JobifyOptions,
  type TaskOptions,
} from '../../src/index.js';

class PaymentError extends Error {}
class CardDeclinedError extends PaymentError {}

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

/** A handler that answers with its own label, so the test sees which one ran. */
const answer =
  (label: string): ExceptionHandler =>
  () =>
    label;

describe('exception handler outcome', () => {
  it("makes the job success with the handler's return value (sync or async)", async () => {
    const { app } = setup();
    const seen: [Error, JobContext][] = [];
    const syncTask = app.task(() => Promise.reject(new PaymentError('no funds')), {
      name: 'syncHandled',
      exceptionHandlers: [[PaymentError, (error, ctx) => (seen.push([error, ctx]), 'fallback')]],
    });
    const asyncTask = app.task(() => Promise.reject(new PaymentError('no funds')), {
      name: 'asyncHandled',
      exceptionHandlers: [[PaymentError, () => Promise.resolve('async fallback')]],
    });
    await app.start();
    try {
      const job = await syncTask.push();
      expect(await job.result()).toBe('fallback');
      expect(job.status).toBe('success');
      expect(seen[0]?.[0]).toBeInstanceOf(PaymentError);
      expect(seen[0]?.[1].job).toBe(job);
      expect(await (await asyncTask.push()).result()).toBe('async fallback');
    } finally {
      await app.stop();
    }
  });

  it("fails the job with the handler's error when the handler throws", async () => {
    const { app } = setup();
    const replacement = new Error('handler gave up');
    const work = app.task(() => Promise.reject(new PaymentError('no funds')), {
      name: 'work',
      exceptionHandlers: [
        [
          PaymentError,
          () => {
            throw replacement;
          },
        ],
      ],
    });
    await app.start();
    try {
      const job = await work.push();
      expect(await job.wait()).toBe('failed');
      expect(job.error).toBe(replacement);
      const error: unknown = await job.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).cause).toBe(replacement);
    } finally {
      await app.stop();
    }
  });

  it('handles JobTimeoutError: a fallback turns a timeout into success', async () => {
    const { clock, app } = setup();
    const hang = app.task(() => new Promise<string>(() => undefined), {
      name: 'hang',
      timeout: 50,
      exceptionHandlers: [[JobTimeoutError, () => 'too slow, used cache']],
    });
    await app.start();
    try {
      const job = await hang.push();
      await clock.advance(50);
      expect(job.status).toBe('success');
      expect(await job.result()).toBe('too slow, used cache');
    } finally {
      await app.stop();
    }
  });

  it('runs on every attempt: retry 3 with a rethrowing handler → 4 handler calls', async () => {
    const { clock, app } = setup();
    let handlerCalls = 0;
    const work = app.task(() => Promise.reject(new PaymentError('no funds')), {
      name: 'work',
      retry: 3,
      exceptionHandlers: [
        [
          PaymentError,
          (error) => {
            handlerCalls++;
            throw error;
          },
        ],
      ],
    });
    await app.start();
    try {
      const job = await work.push();
      await clock.advance(60_000);
      expect(job.status).toBe('failed');
      expect(handlerCalls).toBe(4);
    } finally {
      await app.stop();
    }
  });
});

describe('exception handler precedence', () => {
  /** App, router and task handlers as given; returns what a CardDeclinedError resolves to. */
  async function resolveWith(levels: {
    app?: JobifyOptions['exceptionHandlers'];
    outer?: TaskOptions['exceptionHandlers'];
    inner?: TaskOptions['exceptionHandlers'];
    task?: TaskOptions['exceptionHandlers'];
  }): Promise<unknown> {
    const { app } = setup(levels.app ? { exceptionHandlers: levels.app } : {});
    const outer = createRouter(levels.outer ? { exceptionHandlers: levels.outer } : {});
    const inner = createRouter(levels.inner ? { exceptionHandlers: levels.inner } : {});
    const charge = inner.task(
      () => Promise.reject(new CardDeclinedError('declined')),
      levels.task ? { name: 'charge', exceptionHandlers: levels.task } : { name: 'charge' },
    );
    outer.includeRouter(inner);
    app.includeRouter(outer);
    await app.start();
    try {
      return await (await charge.push()).result();
    } finally {
      await app.stop();
    }
  }

  it('the most specific error class wins over the level', async () => {
    const resolved = await resolveWith({
      app: [[CardDeclinedError, answer('app: CardDeclinedError')]],
      outer: [[PaymentError, answer('router: PaymentError')]],
      task: [[Error, answer('task: Error')]],
    });
    expect(resolved).toBe('app: CardDeclinedError');
  });

  it('for the same class, task beats router beats app', async () => {
    const app = [[PaymentError, answer('app')]] as const;
    const outer = [[PaymentError, answer('outer router')]] as const;
    const inner = [[PaymentError, answer('inner router')]] as const;
    const task = [[PaymentError, answer('task')]] as const;
    expect(await resolveWith({ app, outer, inner, task })).toBe('task');
    expect(await resolveWith({ app, outer, inner })).toBe('inner router');
    expect(await resolveWith({ app, outer })).toBe('outer router');
    expect(await resolveWith({ app })).toBe('app');
  });

  it('addExceptionHandler registers like the option does', async () => {
    const { app } = setup();
    app.addExceptionHandler(PaymentError, answer('added'));
    const work = app.task(() => Promise.reject(new CardDeclinedError('declined')), {
      name: 'work',
    });
    await app.start();
    try {
      expect(await (await work.push()).result()).toBe('added');
    } finally {
      await app.stop();
    }
  });

  it('leaves errors no handler matches to fail the job', async () => {
    await expect(resolveWith({ app: [[TypeError, answer('type')]] })).rejects.toBeInstanceOf(
      JobFailedError,
    );
  });
});
