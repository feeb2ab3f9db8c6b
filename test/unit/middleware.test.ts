import { describe, it, expect, expectTypeOf } from 'vitest';
import {
  createJobify,
  createRouter,
  createSimulatedClock,
  getJobContext,
  JobFailedError,
  JobifyError,
  SmartRetry,
  type JobContext,
  type JobifyOptions,
  type Middleware,
} from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

/** A middleware that logs when it is entered and what `next` gave it. */
function recorder(label: string, entries: string[]): Middleware {
  return async (_ctx, next) => {
    entries.push(`${label}:in`);
    const value = await next();
    entries.push(`${label}:out:${String(value)}`);
    return value;
  };
}

describe('middleware order', () => {
  it('runs app → outer router → nested router → exception handlers → task', async () => {
    const entries: string[] = [];
    const { app } = setup({ middleware: [recorder('app1', entries)] });
    const outer = createRouter({ prefix: 'outer', middleware: [recorder('outer', entries)] });
    const inner = createRouter({ prefix: 'inner', middleware: [recorder('inner', entries)] });
    const sibling = createRouter({ prefix: 'sibling', middleware: [recorder('sibling', entries)] });
    const work = inner.task(
      function work() {
        entries.push('task');
        return Promise.reject(new Error('boom'));
      },
      {
        exceptionHandlers: [
          [Error, (error) => (entries.push(`handler:${error.message}`), 'handled')],
        ],
      },
    );
    outer.includeRouter(inner);
    app.includeRouters(outer, sibling);
    app.use(recorder('app2', entries)); // added after includeRouter: still applies
    await app.start();
    try {
      const job = await work.push();
      expect(await job.result()).toBe('handled');
      expect(entries).toEqual([
        'app1:in',
        'app2:in',
        'outer:in',
        'inner:in',
        'task',
        'handler:boom',
        'inner:out:handled',
        'outer:out:handled',
        'app2:out:handled',
        'app1:out:handled',
      ]);
    } finally {
      await app.stop();
    }
  });

  it('enters user middleware once per attempt (retries are reschedules), seeing each failure', async () => {
    const seen: string[] = [];
    const { clock, app } = setup({
      middleware: [
        async (ctx, next) => {
          try {
            return await next();
          } catch (error) {
            seen.push(`attempt ${ctx.attempt}: ${(error as Error).message}`);
            throw error;
          }
        },
      ],
    });
    const fail = app.task(
      function fail(ctx: JobContext = getJobContext()) {
        return Promise.reject(new Error(`failed #${ctx.attempt}`));
      },
      { retry: new SmartRetry({ retries: 2, initialDelay: 10, jitter: false }) },
    );
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(1_000);
      expect(job.status).toBe('failed');
      expect(seen).toEqual([
        'attempt 1: failed #1',
        'attempt 2: failed #2',
        'attempt 3: failed #3',
      ]);
    } finally {
      await app.stop();
    }
  });
});

describe('middleware that does not call next', () => {
  it('ends the job success with its return value, and the task never runs', async () => {
    let ran = false;
    const { clock, app } = setup({ middleware: [() => Promise.resolve('skipped')] });
    const work = app.task(function work() {
      ran = true;
      return 'ran';
    });
    await app.start();
    try {
      const job = await work.push();
      expect(await job.wait()).toBe('success');
      expect(await job.result()).toBe('skipped');
      await clock.advance(1_000);
      expect(ran).toBe(false);
    } finally {
      await app.stop();
    }
  });

  it('can let some executions through and skip others (reference test_common_case)', async () => {
    const calls: number[] = [];
    let executions = 0;
    const { app } = setup({
      middleware: [(_ctx, next) => (++executions === 1 ? next() : Promise.resolve(undefined))],
    });
    const double = app.task(function double(n: number) {
      calls.push(n);
      return n * 2;
    });
    await app.start();
    try {
      const first = await double.push(2);
      expect(await first.result()).toBe(4);
      const second = await double.push(3);
      expect(await second.wait()).toBe('success');
      expect(await second.result()).toBeUndefined();
      expect(calls).toEqual([2]);
    } finally {
      await app.stop();
    }
  });
});

describe('calling next twice', () => {
  it('throws, and the job fails with that error', async () => {
    let calls = 0;
    let secondCall: unknown;
    const { app } = setup({
      middleware: [
        async (_ctx, next) => {
          await next();
          try {
            return await next();
          } catch (error) {
            secondCall = error;
            throw error;
          }
        },
      ],
    });
    const work = app.task(function work() {
      calls++;
      return 'ok';
    });
    await app.start();
    try {
      const job = await work.push();
      expect(await job.wait()).toBe('failed');
      expect(secondCall).toBeInstanceOf(JobifyError);
      expect(job.error).toBe(secondCall);
      const error: unknown = await job.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).cause).toBe(secondCall);
      expect(calls).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

describe('requestState', () => {
  it('is fresh for every execution and hands values from middleware to the task', async () => {
    const atEntry: Record<string, unknown>[] = [];
    let n = 0;
    const { app } = setup({
      middleware: [
        (ctx, next) => {
          atEntry.push({ ...ctx.requestState });
          ctx.requestState.user = `user-${++n}`;
          return next();
        },
      ],
    });
    const whoami = app.task(function whoami(ctx: JobContext = getJobContext()) {
      return ctx.requestState.user;
    });
    await app.start();
    try {
      expect(await (await whoami.push()).result()).toBe('user-1');
      expect(await (await whoami.push()).result()).toBe('user-2');
      expect(atEntry).toEqual([{}, {}]);
    } finally {
      await app.stop();
    }
  });
});

describe('getJobContext()', () => {
  it('is typed as JobContext when used as a default parameter (the INJECT form)', async () => {
    const { app } = setup();
    const whoami = app.task(async function whoami(prefix: string, ctx = getJobContext()) {
      expectTypeOf(ctx).toEqualTypeOf<JobContext>();
      await Promise.resolve();
      return `${prefix}${ctx.job.id}`; // the context survives an await
    });
    await app.start();
    try {
      const job = await whoami.push('id=');
      expect(await job.result()).toBe(`id=${job.id}`);
      // only the scheduled arguments are persisted, never the context
      expect((job.snapshot() as unknown as { context: { args: unknown[] } }).context.args).toEqual([
        'id=',
      ]);
    } finally {
      await app.stop();
    }
  });

  it('throws outside a job', () => {
    expect(() => getJobContext()).toThrow(JobifyError);
  });
});

describe('JobContext fields', () => {
  it('exposes job, app, state, options, attempt, signal, logger and recovered', async () => {
    const { app } = setup({ state: { shared: 'app', region: 'app' } });
    const router = createRouter({ prefix: 'r', state: { region: 'router' } });
    let seen: JobContext | undefined;
    const inspect = router.task(
      function inspect(ctx: JobContext = getJobContext()) {
        seen = ctx;
        return ctx.signal.aborted;
      },
      { timeout: 1_000, metadata: { priority: 5 } },
    );
    app.includeRouter(router);
    await app.start();
    try {
      const job = await inspect.push();
      expect(await job.result()).toBe(false);
      const ctx = seen as JobContext;
      expect(ctx.job).toBe(job);
      expect(ctx.app).toBe(app);
      expect(ctx.state.region).toBe('router');
      expect(ctx.state.shared).toBe('app'); // falls back to the app's state
      expect(ctx.options).toMatchObject({ name: 'inspect', timeout: 1_000 });
      expect(ctx.options.metadata).toEqual({ priority: 5 });
      expect(ctx.attempt).toBe(1);
      expect(ctx.signal).toBeInstanceOf(AbortSignal);
      expect(ctx.recovered).toBe(false);
      expect(ctx.logger.bindings()).toMatchObject({ jobId: job.id });
    } finally {
      await app.stop();
    }
  });
});
