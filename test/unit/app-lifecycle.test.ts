import { describe, expect, it } from 'vitest';
import {
  ApplicationStateError,
  JobStatus,
  JobifyError,
  createJobify,
  createRouter,
  createSimulatedClock,
  getJobContext,
  memoryStorage,
} from '../../src/index.js';
import type { Jobify, JobifyOptions, Plugin, Router, Storage } from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

/** memoryStorage() that also records open and close into `log`. */
function loggedStorage(log: string[]): Storage {
  const inner = memoryStorage();
  return {
    ...inner,
    open: async (context) => {
      log.push('storage.open');
      await inner.open(context);
    },
    close: async () => {
      log.push('storage.close');
      await inner.close();
    },
  };
}

function loggedPlugin(name: string, log: string[], seen: unknown[] = []): Plugin {
  return {
    name,
    start: (app) => {
      seen.push(app);
      log.push(`${name}.start`);
    },
    stop: () => {
      log.push(`${name}.stop`);
    },
  };
}

describe('before and after start', () => {
  it('refuses to schedule before start', async () => {
    const { app } = setup();
    const t = app.task(function t() {});
    expect(() => t.schedule()).toThrow(ApplicationStateError);
    await expect(t.push()).rejects.toBeInstanceOf(ApplicationStateError);
  });

  it('freezes the configuration once started', async () => {
    const { app } = setup();
    const attached = createRouter({ prefix: 'a' });
    app.includeRouter(attached);
    await app.start();
    try {
      expect(() => app.task(function late() {})).toThrow(ApplicationStateError);
      expect(() => attached.task(function late() {})).toThrow(ApplicationStateError);
      expect(() => app.use((_ctx, next) => next())).toThrow(ApplicationStateError);
      expect(() => app.useOuter((_ctx, next) => next())).toThrow(ApplicationStateError);
      expect(() => app.addExceptionHandler(Error, () => 1)).toThrow(ApplicationStateError);
      expect(() => app.includeRouter(createRouter({ prefix: 'b' }))).toThrow(ApplicationStateError);
    } finally {
      await app.stop();
    }
  });
});

describe('start and stop', () => {
  it('are idempotent and share one run when called concurrently', async () => {
    const log: string[] = [];
    const { app } = setup({
      lifespan: () => {
        log.push('enter');
        return () => void log.push('exit');
      },
    });
    await app.stop(); // never started: nothing to do
    await Promise.all([app.start(), app.start()]);
    await app.start();
    expect(log).toEqual(['enter']);
    await Promise.all([app.stop(), app.stop()]);
    await app.stop();
    expect(log).toEqual(['enter', 'exit']);
  });

  it('stops at the end of an `await using` scope', async () => {
    const clock = createSimulatedClock();
    const log: string[] = [];
    let outside: Jobify | undefined;
    {
      await using app = createJobify({
        clock,
        logger: false,
        lifespan: () => () => void log.push('exit'),
      });
      outside = app;
      app.task(function t() {});
      await app.start();
      expect(log).toEqual([]);
    }
    expect(log).toEqual(['exit']);
    expect(outside.started).toBe(false);
  });

  it('starts again after a stop, with its lifespan and declarative crons', async () => {
    let entered = 0;
    const { app } = setup({ storage: false, lifespan: () => void entered++ });
    const echo = app.task(function echo(n: number) {
      return n;
    });
    app.task(function tick() {}, { cron: '0 * * * *' });
    for (const round of [1, 2]) {
      await app.start();
      try {
        expect(await (await echo.push(round)).result()).toBe(round);
        expect(app.findJob('cron:tick')?.cronExpression).toBe('0 * * * *');
      } finally {
        await app.stop();
      }
    }
    expect(entered).toBe(2);
  });
});

describe('lifespans', () => {
  it('run app first, then routers outer to inner, and clean up in reverse', async () => {
    const log: string[] = [];
    const owners: unknown[] = [];
    const { app } = setup({
      lifespan: (owner) => {
        owners.push(owner);
        log.push('app');
        return () => void log.push('app cleanup');
      },
    });
    const routerLifespan = (name: string) => (owner: Router) => {
      owners.push(owner);
      log.push(name);
      return () => void log.push(`${name} cleanup`);
    };
    const outer = createRouter({ prefix: 'outer', lifespan: routerLifespan('outer') });
    const inner = createRouter({ prefix: 'inner', lifespan: routerLifespan('inner') });
    outer.includeRouter(inner);
    app.includeRouter(outer);
    await app.start();
    expect(log).toEqual(['app', 'outer', 'inner']);
    expect(owners).toEqual([app, outer, inner]);
    await app.stop();
    expect(log.slice(3)).toEqual(['inner cleanup', 'outer cleanup', 'app cleanup']);
  });

  it('can schedule a job, which runs once every lifespan is ready', async () => {
    const log: string[] = [];
    let scheduled: ReturnType<typeof warmUp.push> | undefined;
    const { app } = setup({ lifespan: () => void (scheduled = warmUp.push()) });
    const warmUp = app.task(function warmUp() {
      log.push('task');
      return 'warm';
    });
    const router = createRouter({ lifespan: () => void log.push('router lifespan') });
    app.includeRouter(router);
    await app.start();
    try {
      expect(scheduled).toBeDefined();
      expect(await (await scheduled)?.result()).toBe('warm');
      expect(log).toEqual(['router lifespan', 'task']);
    } finally {
      await app.stop();
    }
  });

  it('puts values into state that jobs see', async () => {
    const { app } = setup({
      lifespan: (owner) => void (owner.state.client = 'db client'),
    });
    const router = createRouter({
      prefix: 'r',
      lifespan: (owner) => void (owner.state.cache = 'cache'),
    });
    app.includeRouter(router);
    const read = router.task(function read(ctx = getJobContext()) {
      return [ctx.state.client, ctx.state.cache];
    });
    expect(app.state.client).toBeUndefined();
    await app.start();
    try {
      expect(await (await read.push()).result()).toEqual(['db client', 'cache']);
    } finally {
      await app.stop();
    }
  });
});

describe('plugins and resource order', () => {
  it('starts plugins in order after storage opens and stops them in reverse before it closes', async () => {
    const log: string[] = [];
    const seen: unknown[] = [];
    const { app } = setup({
      storage: loggedStorage(log),
      plugins: [loggedPlugin('p1', log, seen), loggedPlugin('p2', log, seen)],
    });
    await app.start();
    expect(log).toEqual(['storage.open', 'p1.start', 'p2.start']);
    expect(seen).toEqual([app, app]);
    await app.stop();
    expect(log.slice(3)).toEqual(['p2.stop', 'p1.stop', 'storage.close']);
  });

  it('releases what was acquired when a lifespan fails, and can start later', async () => {
    const log: string[] = [];
    let fail = true;
    const { app } = setup({
      storage: loggedStorage(log),
      plugins: [loggedPlugin('p1', log)],
      lifespan: () => () => void log.push('app cleanup'),
    });
    const t = app.task(function t() {});
    const boom = new Error('cannot connect');
    app.includeRouter(
      createRouter({
        lifespan: () => {
          if (fail) throw boom;
        },
      }),
    );
    await expect(app.start()).rejects.toBe(boom);
    expect(log).toEqual(['storage.open', 'p1.start', 'app cleanup', 'p1.stop', 'storage.close']);
    expect(app.started).toBe(false);
    expect(() => t.schedule()).toThrow(ApplicationStateError);
    fail = false;
    await app.start();
    expect(app.started).toBe(true);
    await app.stop();
  });
});

describe('live jobs', () => {
  it('findJob and getActiveJobs show scheduled jobs until they finish', async () => {
    const { app, clock } = setup();
    const t = app.task(function t() {});
    await app.start();
    try {
      const a = await t.schedule().delay(1_000);
      const b = await t.schedule().delay(2_000);
      expect(app.findJob(a.id)).toBe(a);
      expect(app.findJob('nope')).toBeUndefined();
      expect(app.getActiveJobs()).toEqual(expect.arrayContaining([a, b]));
      expect(app.getActiveJobs()).toHaveLength(2);
      await clock.advance(1_000);
      expect(app.findJob(a.id)).toBeUndefined();
      expect(app.getActiveJobs()).toEqual([b]);
    } finally {
      await app.stop();
    }
  });
});

describe('waitAll', () => {
  it('resolves once three pushed jobs are done', async () => {
    const { app, clock } = setup();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = app.task(async function gated(n: number) {
      await gate;
      return n;
    });
    await app.start();
    try {
      const jobs = await Promise.all([gated.push(1), gated.push(2), gated.push(3)]);
      let idle = false;
      const waiting = app.waitAll().then(() => (idle = true));
      await clock.advance(0);
      expect(idle).toBe(false);
      open();
      await waiting;
      expect(jobs.map((job) => job.status)).toEqual(Array(3).fill(JobStatus.SUCCESS));
      expect(app.getActiveJobs()).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('waitAll(0) with delayed jobs rejects at once with code WAIT_TIMEOUT', async () => {
    const { app } = setup();
    const t = app.task(function t() {});
    await app.start();
    try {
      for (let i = 0; i < 3; i++) await t.schedule().delay(10_000);
      const error: unknown = await app.waitAll(0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobifyError);
      expect(error).toMatchObject({ code: 'WAIT_TIMEOUT' });
      expect(app.getActiveJobs()).toHaveLength(3);
    } finally {
      await app.stop();
    }
  });

  it('waitAll(1000) rejects exactly when the clock reaches +1000', async () => {
    const { app, clock } = setup();
    const t = app.task(function t() {});
    await app.start();
    try {
      await t.schedule().delay(10_000);
      let outcome: unknown;
      void app.waitAll(1_000).then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      );
      await clock.advance(999);
      expect(outcome).toBeUndefined();
      await clock.advance(1);
      expect(outcome).toMatchObject({ code: 'WAIT_TIMEOUT' });
    } finally {
      await app.stop();
    }
  });
});
