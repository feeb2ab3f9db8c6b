import { describe, it, expect } from 'vitest';
import {
  createJobify,
  createRouter,
  createSimulatedClock,
  JobCancelledError,
  memoryStorage,
  type JobifyOptions,
  type OuterContext,
  type OuterMiddleware,
} from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app, t0: clock.now() };
}

/** Outer middleware that keeps every context it sees and lets scheduling go on. */
function spy(seen: OuterContext[]): OuterMiddleware {
  return async (ctx, next) => {
    seen.push(ctx);
    await next();
  };
}

const persistedContext = (snapshot: unknown) =>
  (snapshot as { context: { args: unknown[] } }).context;

describe('outer middleware sees every scheduling call', () => {
  it('runs on push, delay, at and cron with the trigger, args, task and flags', async () => {
    const seen: OuterContext[] = [];
    const { app, t0 } = setup({ outerMiddleware: [spy(seen)] });
    const greet = app.task(function greet(name: string) {
      return `hi ${name}`;
    });
    const ephemeral = app.task(function ephemeral() {}, { durable: false });
    await app.start();
    try {
      await greet.push('push');
      await greet.schedule('delay').delay(5_000);
      await greet.schedule('at').at(t0 + 9_000, { jobId: 'a' });
      await greet.schedule('at2').at(t0 + 9_000, { jobId: 'a', replace: true, force: true });
      await greet.schedule('cron').cron('0 * * * *', { jobId: 'hourly' });
      await ephemeral.push();
      expect(seen.map((ctx) => ctx.trigger.type)).toEqual([
        'push',
        'at',
        'at',
        'at',
        'cron',
        'push',
      ]);
      expect(seen.map((ctx) => ctx.args)).toEqual([
        ['push'],
        ['delay'],
        ['at'],
        ['at2'],
        ['cron'],
        [],
      ]);
      expect(seen[1]?.trigger).toEqual({ type: 'at', at: t0 + 5_000 });
      expect(seen.slice(0, 5).every((ctx) => ctx.task === greet && ctx.durable)).toBe(true);
      expect(seen[5]).toMatchObject({ task: ephemeral, durable: false });
      expect(seen.map((ctx) => [ctx.replace, ctx.force])).toEqual([
        [false, false],
        [false, false],
        [false, false],
        [true, true],
        [false, false],
        [false, false],
      ]);
      expect(seen[0]?.requestState).toEqual({});
      expect(seen[0]?.requestState).not.toBe(seen[1]?.requestState);
    } finally {
      await app.stop();
    }
  });

  it('does not run when a replace changes nothing (without force)', async () => {
    const seen: OuterContext[] = [];
    const { app, t0 } = setup({ outerMiddleware: [spy(seen)] });
    const greet = app.task(function greet(name: string) {
      return name;
    });
    await app.start();
    try {
      const first = await greet.schedule('x').at(t0 + 1_000, { jobId: 'g' });
      const again = await greet.schedule('x').at(t0 + 1_000, { jobId: 'g', replace: true });
      expect(again).toBe(first);
      expect(seen).toHaveLength(1);
      await greet.schedule('y').at(t0 + 1_000, { jobId: 'g', replace: true });
      expect(seen).toHaveLength(2);
    } finally {
      await app.stop();
    }
  });

  it('runs app → outer router → nested router, then schedules', async () => {
    const order: string[] = [];
    const mark =
      (label: string): OuterMiddleware =>
      async (ctx, next) => {
        order.push(`${label}:${ctx.job.status}`);
        await next();
        order.push(`${label}:after:${ctx.job.status}`);
      };
    const { app } = setup({ outerMiddleware: [mark('app')] });
    const outer = createRouter({ prefix: 'outer', outerMiddleware: [mark('outer')] });
    const inner = createRouter({ prefix: 'inner', outerMiddleware: [mark('inner')] });
    const sibling = createRouter({ prefix: 'sibling', outerMiddleware: [mark('sibling')] });
    const work = inner.task(function work() {});
    outer.includeRouter(inner);
    app.includeRouters(outer, sibling);
    await app.start();
    try {
      await work.schedule().delay(1_000);
      expect(order).toEqual([
        'app:pending',
        'outer:pending',
        'inner:pending',
        'inner:after:scheduled',
        'outer:after:scheduled',
        'app:after:scheduled',
      ]);
    } finally {
      await app.stop();
    }
  });
});

describe('outer middleware that does not call next', () => {
  it('drops the job: not scheduled, not stored, never run, ended cancelled', async () => {
    let ran = false;
    const storage = memoryStorage();
    const { clock, app } = setup({ storage, outerMiddleware: [() => Promise.resolve()] });
    const work = app.task(function work() {
      ran = true;
    });
    await app.start();
    try {
      const pushed = await work.push();
      const delayed = await work.schedule().delay(1_000, { jobId: 'later' });
      await clock.advance(5_000);
      expect(ran).toBe(false);
      for (const job of [pushed, delayed]) {
        expect(job.status).toBe('cancelled');
        expect(job.isDone()).toBe(true);
        expect(await job.wait()).toBe('cancelled');
        await expect(job.result()).rejects.toBeInstanceOf(JobCancelledError);
        expect(app.findJob(job.id)).toBeUndefined();
      }
      expect(app.getActiveJobs()).toEqual([]);
      expect(await storage.load()).toEqual([]);
      // the id was never taken: it can be scheduled again
      await expect(work.schedule().delay(1_000, { jobId: 'later' })).resolves.toBeDefined();
    } finally {
      await app.stop();
    }
  });
});

describe('outer middleware that replaces the arguments', () => {
  it('changes what runs and what is persisted (reference §5.8 fixed)', async () => {
    const received: string[] = [];
    const { clock, app } = setup({
      outerMiddleware: [
        async (ctx, next) => {
          ctx.args = ctx.args.map((arg) => String(arg).toUpperCase());
          await next();
        },
      ],
    });
    const shout = app.task(function shout(word: string) {
      received.push(word);
      return word;
    });
    await app.start();
    try {
      const job = await shout.schedule('hello').delay(1_000);
      expect(persistedContext(job.snapshot()).args).toEqual(['HELLO']);
      await clock.advance(1_000);
      expect(await job.result()).toBe('HELLO');
      expect(received).toEqual(['HELLO']);
    } finally {
      await app.stop();
    }
  });
});
