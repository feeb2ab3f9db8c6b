import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import {
  createJobify,
  createSimulatedClock,
  Cron,
  JobTimeoutError,
  SmartRetry,
  memoryStorage,
  type JobEventType,
  type JobifyEvent,
  type JobifyOptions,
} from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  const events: JobifyEvent[] = [];
  app.on('*', (event) => void events.push(event));
  const add = app.task(function add(a: number, b: number) {
    return a + b;
  });
  return { clock, app, events, add, t0: clock.now() };
}

const ofType = <T extends JobEventType>(events: JobifyEvent[], type: T) =>
  events.filter((event): event is Extract<JobifyEvent, { type: T }> => event.type === type);

describe('events of a job', () => {
  it('a push job emits scheduled, started, succeeded, each followed by its job.transition', async () => {
    const { app, events, add } = setup();
    await app.start();
    try {
      const job = await add.push(1, 2);
      expect(await job.result()).toBe(3);
      expect(events.map((e) => e.type)).toEqual([
        'job.scheduled',
        'job.transition',
        'job.started',
        'job.transition',
        'job.succeeded',
        'job.transition',
      ]);
      const transitions = ofType(events, 'job.transition').map((e) => `${e.from}→${e.to}`);
      expect(transitions).toEqual(['pending→scheduled', 'scheduled→running', 'running→success']);
      for (const event of events) {
        expect(event).toMatchObject({ jobId: job.id, name: 'add', attempt: 1 });
        expect(event.at).toBeInstanceOf(Date);
      }
      expect(events.map((e) => e.status)).toEqual([
        'scheduled',
        'scheduled',
        'running',
        'running',
        'success',
        'success',
      ]);
      expect(ofType(events, 'job.succeeded')[0]?.result).toBe(3);
    } finally {
      await app.stop();
    }
  });

  it('stamps events with the app clock', async () => {
    const { clock, app, events, add, t0 } = setup();
    await app.start();
    try {
      await add.schedule(1, 2).delay(5_000);
      await clock.advance(5_000);
      expect(ofType(events, 'job.scheduled')[0]?.at.getTime()).toBe(t0);
      expect(ofType(events, 'job.started')[0]?.at.getTime()).toBe(t0 + 5_000);
    } finally {
      await app.stop();
    }
  });

  it('job.retrying and job.failed carry the thrown error', async () => {
    const { clock, app, events } = setup();
    const boom = new Error('boom');
    const fail = app.task(() => Promise.reject(boom), {
      name: 'fail',
      retry: new SmartRetry({ retries: 1, initialDelay: 100, jitter: false }),
    });
    await app.start();
    try {
      const job = await fail.push();
      await clock.advance(100);
      expect(job.status).toBe('failed');
      const [retrying] = ofType(events, 'job.retrying');
      expect(retrying).toMatchObject({ status: 'scheduled', attempt: 2, error: boom });
      expect(ofType(events, 'job.failed')).toEqual([
        expect.objectContaining({ jobId: job.id, status: 'failed', attempt: 2, error: boom }),
      ]);
    } finally {
      await app.stop();
    }
  });

  it('job.timeout carries a JobTimeoutError', async () => {
    const { clock, app, events } = setup();
    const hang = app.task(() => new Promise<never>(() => undefined), { name: 'hang', timeout: 50 });
    await app.start();
    try {
      const job = await hang.push();
      await clock.advance(50);
      const [timeout] = ofType(events, 'job.timeout');
      expect(timeout).toMatchObject({ jobId: job.id, status: 'timeout' });
      expect(timeout?.error).toBeInstanceOf(JobTimeoutError);
      expect(ofType(events, 'job.failed')).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('job.cancelled follows a cancel', async () => {
    const { app, events, add } = setup();
    await app.start();
    try {
      const job = await add.schedule(1, 2).delay(5_000);
      await job.cancel();
      expect(ofType(events, 'job.cancelled')).toEqual([
        expect.objectContaining({ jobId: job.id, status: 'cancelled' }),
      ]);
      expect(events.at(-1)).toMatchObject({
        type: 'job.transition',
        from: 'scheduled',
        to: 'cancelled',
      });
    } finally {
      await app.stop();
    }
  });

  it('job.permanently_failed ends a cron that reached maxFailures', async () => {
    const { clock, app, events } = setup();
    const boom = new Error('boom');
    const fail = app.task(() => Promise.reject(boom), { name: 'fail' });
    await app.start();
    try {
      const job = await fail.schedule().cron(new Cron('* * * * * *', { maxFailures: 1 }), {
        jobId: 'every-second',
      });
      await clock.advance(1_000);
      expect(await job.wait()).toBe('permanently_failed');
      expect(ofType(events, 'job.permanently_failed')).toEqual([
        expect.objectContaining({
          jobId: 'every-second',
          status: 'permanently_failed',
          error: boom,
        }),
      ]);
    } finally {
      await app.stop();
    }
  });
});

describe('subscriptions', () => {
  it('stop after the unsubscribe function is called', async () => {
    const { app, add } = setup();
    const started: string[] = [];
    const off = app.on('job.started', (event) => void started.push(event.jobId));
    await app.start();
    try {
      const first = await add.push(1, 1);
      await first.wait();
      off();
      await (await add.push(2, 2)).wait();
      expect(started).toEqual([first.id]);
    } finally {
      await app.stop();
    }
  });

  it('a listener that throws or rejects breaks nothing, and is logged', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const { clock, app, events, add } = setup({ logger });
    app.on('job.started', () => {
      throw new Error('sync listener bug');
    });
    app.on('*', () => Promise.reject(new Error('async listener bug')));
    await app.start();
    try {
      expect(await (await add.push(1, 2)).result()).toBe(3);
      expect(await (await add.push(3, 4)).result()).toBe(7);
      await clock.advance(0);
      expect(events).toHaveLength(12);
      expect(lines.some((line) => line.includes('sync listener bug'))).toBe(true);
      expect(lines.some((line) => line.includes('async listener bug'))).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('rejects an unknown event type with an error naming `type`', () => {
    const { app } = setup();
    expect(() => app.on('job.exploded' as JobEventType, () => undefined)).toThrow(/`type`/);
  });
});

describe('app.events()', () => {
  it('yields the same events as app.on and ends when the signal aborts', async () => {
    const { app, events, add } = setup();
    const controller = new AbortController();
    const iterated: JobifyEvent[] = [];
    const consumed = (async () => {
      for await (const event of app.events({ signal: controller.signal })) iterated.push(event);
    })();
    await app.start();
    try {
      await (await add.push(1, 2)).result();
      await (await add.push(3, 4)).result();
      controller.abort();
      await consumed;
      expect(iterated).toHaveLength(12);
      expect(iterated).toEqual(events);
      await (await add.push(5, 6)).result();
      expect(iterated).toHaveLength(12);
    } finally {
      await app.stop();
    }
  });
});

describe('XState inspection', () => {
  it('sees every status of a job actor, all in one actor system', async () => {
    const inspected: InspectionEvent[] = [];
    const { app, add } = setup({ inspect: (event) => void inspected.push(event) });
    await app.start();
    try {
      const job = await add.push(1, 2);
      await job.result();
      const statuses = inspected
        .filter((e) => e.type === '@xstate.snapshot' && (e.actorRef as AnyActorRef).id === job.id)
        .map((e) => (e as { snapshot: { value?: unknown } }).snapshot.value);
      expect(new Set(statuses)).toEqual(new Set(['pending', 'scheduled', 'running', 'success']));
      expect(new Set(inspected.map((e) => e.rootId)).size).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('sees a restored job as an actor in its restored state, following it from there', async () => {
    const clock = createSimulatedClock();
    const storage = memoryStorage();
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const first = createJobify({ clock, storage, logger });
    const task = first.task(function later() {
      return 'done';
    });
    await first.start();
    const job = await task.schedule().delay(1_000, { jobId: 'restored' });
    await first.stop();

    const inspected: InspectionEvent[] = [];
    const second = createJobify({ clock, storage, logger, inspect: (e) => void inspected.push(e) });
    second.task(function later() {
      return 'done';
    });
    await second.start();
    try {
      const restoredJob = second.findJob(job.id);
      await clock.advance(1_000);
      expect(await restoredJob?.result()).toBe('done');
      const statuses = inspected
        .filter((e) => e.type === '@xstate.snapshot' && (e.actorRef as AnyActorRef).id === job.id)
        .map((e) => (e as { snapshot: { value?: unknown } }).snapshot.value);
      expect(statuses).toEqual(['scheduled', 'running', 'success']);
      const [restored] = inspected.filter(
        (e) => e.type === '@xstate.actor' && (e.actorRef as AnyActorRef).id === job.id,
      );
      const snapshot = (restored?.actorRef as AnyActorRef | undefined)?.getSnapshot() as
        { status: string } | undefined;
      expect(snapshot?.status).toBe('done');
      expect(lines).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
