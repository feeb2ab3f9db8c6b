import { describe, expect, it } from 'vitest';
import {
  ApplicationStateError,
  JobifyError,
  TaskAlreadyRegisteredError,
  createJobify,
  createRouter,
  createSimulatedClock,
  getJobContext,
} from '../../src/index.js';
import type { JobifyOptions, Router } from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

/** Routers 1 → 2 → … → n, each including the next; returns them outermost first. */
function chain(prefixes: (string | undefined)[]): Router[] {
  const routers = prefixes.map((prefix) => createRouter(prefix === undefined ? {} : { prefix }));
  for (let i = 1; i < routers.length; i++) routers[i - 1]!.includeRouter(routers[i]!);
  return routers;
}

function noop() {}

describe('task names', () => {
  it('defaults to the function name', () => {
    const { app } = setup();
    expect(app.task(async function sendWelcome() {}).name).toBe('sendWelcome');
  });

  it('uses an explicit name instead of the function name', () => {
    const { app } = setup();
    expect(app.task(async function sendWelcome() {}, { name: 'welcome' }).name).toBe('welcome');
  });

  it('rejects an anonymous function without a name, naming the `name` option', () => {
    const { app } = setup();
    expect(() => app.task(async () => {})).toThrow(JobifyError);
    expect(() => app.task(async () => {})).toThrow(/`name`/);
    expect(app.task(() => 1, { name: 'anon' }).name).toBe('anon');
  });
});

describe('router prefixes', () => {
  it('joins prefixes with "." and puts the task name after ":"', () => {
    const { app } = setup();
    const [reports, daily] = chain(['reports', 'daily']);
    const generate = daily!.task(async function generate() {});
    app.includeRouter(reports!);
    expect(generate.name).toBe('reports.daily:generate');
  });

  it('gives 1.2.3.4:t for routers nested four deep', () => {
    const { app } = setup();
    const routers = chain(['1', '2', '3', '4']);
    const t = routers[3]!.task(function t() {});
    app.includeRouter(routers[0]!);
    expect(t.name).toBe('1.2.3.4:t');
  });

  it('adds nothing for a router without a prefix, at any depth', () => {
    const { app } = setup();
    const [top, , , , inner] = chain([undefined, '1', '2', '3', undefined]);
    const atTop = top!.task(function atTop() {});
    const atInner = inner!.task(function atInner() {});
    app.includeRouter(top!);
    expect(atTop.name).toBe('atTop');
    expect(atInner.name).toBe('1.2.3:atInner');
  });

  it('gives a prefixed router under an unprefixed one no leading dot', () => {
    const { app } = setup();
    const [top, sub] = chain([undefined, 'sub']);
    const t1 = sub!.task(function t1() {});
    app.includeRouter(top!);
    expect(t1.name).toBe('sub:t1');
  });

  it('names a router task fully when the router tree is built after attaching to the app', async () => {
    const { app } = setup();
    const outer = createRouter({ prefix: 'outer' });
    app.includeRouter(outer);
    const inner = createRouter({ prefix: 'inner' });
    const t = inner.task(function t() {
      return 'ran';
    });
    outer.includeRouter(inner);
    // A same-named router elsewhere is a different full name: no clash.
    const other = createRouter({ prefix: 'inner' });
    other.task(function t() {});
    expect(() => app.includeRouter(other)).not.toThrow();
    expect(t.name).toBe('outer.inner:t');
    await app.start();
    try {
      const job = await t.push();
      expect(job.name).toBe('outer.inner:t');
      expect(await job.result()).toBe('ran');
    } finally {
      await app.stop();
    }
  });
});

describe('duplicate task names', () => {
  it('rejects a second task with one name in one router', () => {
    const { app } = setup();
    app.task(function send() {});
    expect(() => app.task(async function other() {}, { name: 'send' })).toThrow(
      TaskAlreadyRegisteredError,
    );
    const router = createRouter({ prefix: 'mail' });
    router.task(function send() {});
    expect(() => router.task(function send() {})).toThrow(TaskAlreadyRegisteredError);
  });

  it('rejects the same full name across routers when tasks exist before attaching', () => {
    const { app } = setup();
    app.task(function send() {});
    const a = createRouter();
    a.task(function send() {});
    expect(() => app.includeRouter(a)).toThrow(TaskAlreadyRegisteredError);
    expect(a.parent).toBeUndefined();

    const b = createRouter({ prefix: 'mail' });
    const c = createRouter({ prefix: 'mail' });
    b.task(function deliver() {});
    c.task(function deliver() {});
    app.includeRouter(b);
    expect(() => app.includeRouter(c)).toThrow(TaskAlreadyRegisteredError);
  });

  it('rejects the same full name across sibling routers attached together', () => {
    const { app } = setup();
    const parent = createRouter();
    const left = createRouter();
    const right = createRouter();
    left.task(function sync() {});
    right.task(function sync() {});
    parent.includeRouters(left, right);
    expect(() => app.includeRouter(parent)).toThrow(TaskAlreadyRegisteredError);
  });

  it('rejects the same full name across routers when tasks are added after attaching', () => {
    const { app } = setup();
    const a = createRouter({ prefix: 'mail' });
    const b = createRouter({ prefix: 'mail' });
    app.includeRouters(a, b);
    a.task(function send() {});
    expect(() => b.task(function send() {})).toThrow(TaskAlreadyRegisteredError);
    const plain = createRouter();
    app.includeRouter(plain);
    app.task(function notify() {});
    expect(() => plain.task(function notify() {})).toThrow(TaskAlreadyRegisteredError);
  });
});

describe('router wiring errors', () => {
  it('rejects a router including itself', () => {
    const router = createRouter();
    expect(() => router.includeRouter(router)).toThrow(JobifyError);
  });

  it('rejects attaching a router twice', () => {
    const { app } = setup();
    const router = createRouter({ prefix: 'r' });
    app.includeRouter(router);
    expect(() => app.includeRouter(router)).toThrow(JobifyError);
    expect(() => createRouter().includeRouter(router)).toThrow(JobifyError);
    expect(app.routers).toEqual([router]);
  });

  it('rejects a cycle', () => {
    const [a, , c] = chain(['a', 'b', 'c']);
    expect(() => c!.includeRouter(a!)).toThrow(JobifyError);
    expect(c!.routers).toEqual([]);
  });

  it('rejects includeRouters() with no router, naming `routers`', () => {
    const { app } = setup();
    expect(() => app.includeRouters()).toThrow(/`routers`/);
  });
});

describe('tasks of routers that are not attached', () => {
  it('cannot be scheduled while detached, and run once attached and started', async () => {
    const { app } = setup();
    const router = createRouter({ prefix: 'jobs' });
    const hello = router.task(function hello(name: string) {
      return `hello ${name}`;
    });
    expect(() => hello.schedule('a')).toThrow(ApplicationStateError);
    await expect(hello.push('a')).rejects.toBeInstanceOf(ApplicationStateError);

    app.includeRouter(router);
    expect(() => hello.schedule('a')).toThrow(ApplicationStateError); // not started yet
    await app.start();
    try {
      expect(await (await hello.push('world')).result()).toBe('hello world');
    } finally {
      await app.stop();
    }
  });

  it('cannot be scheduled from a detached router even while another app runs', async () => {
    const { app } = setup();
    app.task(noop);
    const router = createRouter();
    const t = router.task(function t() {});
    await app.start();
    try {
      expect(() => t.schedule()).toThrow(ApplicationStateError);
    } finally {
      await app.stop();
    }
  });
});

describe('router state', () => {
  it("shows the router's own keys and falls back to its parents' and the app's", async () => {
    const { app } = setup({ state: { fromApp: 'app', shadowed: 'app' } });
    const outer = createRouter({ prefix: 'outer', state: { fromOuter: 'outer' } });
    const inner = createRouter({ prefix: 'inner', state: { own: 'inner', shadowed: 'inner' } });
    outer.includeRouter(inner);
    app.includeRouter(outer);
    const read = inner.task(function read(ctx = getJobContext()) {
      const { own, fromOuter, fromApp, shadowed, late } = ctx.state;
      return { same: ctx.state === inner.state, own, fromOuter, fromApp, shadowed, late };
    });
    await app.start();
    try {
      app.state.late = 'set after start';
      expect(await (await read.push()).result()).toEqual({
        same: true,
        own: 'inner',
        fromOuter: 'outer',
        fromApp: 'app',
        shadowed: 'inner',
        late: 'set after start',
      });
    } finally {
      await app.stop();
    }
  });

  it('keeps what a job writes to router.state visible to the next job', async () => {
    const { app } = setup();
    const router = createRouter({ prefix: 'r' });
    app.includeRouter(router);
    const count = router.task(function count(ctx = getJobContext()) {
      ctx.state.count = ((ctx.state.count as number | undefined) ?? 0) + 1;
      return ctx.state.count;
    });
    await app.start();
    try {
      await (await count.push()).result();
      expect(await (await count.push()).result()).toBe(2);
      expect(router.state.count).toBe(2);
      expect(app.state.count).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});
