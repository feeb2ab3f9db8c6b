import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobifyError, createJobify, createSimulatedClock } from '../../src/index.js';
import type { JobifyOptions, Storage } from '../../src/index.js';

function setup(options: JobifyOptions = {}) {
  const clock = createSimulatedClock();
  const app = createJobify({ clock, logger: false, ...options });
  return { clock, app };
}

function errorOf(fn: () => unknown): JobifyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JobifyError);
    return error as JobifyError;
  }
  throw new Error('expected a throw');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('option validation', () => {
  it('names the app option, what was expected and what was given', () => {
    const tz = errorOf(() => createJobify({ tz: 'Mars/Base', logger: false }));
    expect(tz.message).toMatch(/`tz`.*IANA.*Mars\/Base/);
    const storage = errorOf(() => createJobify({ storage: {} as Storage, logger: false }));
    expect(storage.message).toMatch(/`storage`.*Storage.*object/);
    const unknown = errorOf(() =>
      createJobify({ loger: false, logger: false } as unknown as JobifyOptions),
    );
    expect(unknown.message).toMatch(/`loger`.*known/);
    expect([tz.code, storage.code, unknown.code]).toEqual(Array(3).fill('INVALID_OPTION'));
  });

  it('names the task option, what was expected and what was given', () => {
    const { app } = setup();
    const timeout = errorOf(() => app.task(function t() {}, { timeout: -5 }));
    expect(timeout.message).toContain('`timeout`');
    expect(timeout.message).toMatch(/positive.*-5/);
    const retry = errorOf(() => app.task(function t() {}, { retry: 'x' as never }));
    expect(retry.message).toMatch(/`retry`.*integer.*"x"/);
    const unknown = errorOf(() => app.task(function t() {}, { retires: 3 } as never));
    expect(unknown.message).toMatch(/`retires`.*known/);
    expect(app.tasks).toEqual([]);
  });
});

describe('logger', () => {
  it('is silent with logger: false', () => {
    const { app } = setup({ logger: false });
    expect(app.logger.level).toBe('silent');
  });

  it('defaults to pino at JOBIFY_LOG_LEVEL, else info', () => {
    expect(createJobify().logger.level).toBe('info');
    vi.stubEnv('JOBIFY_LOG_LEVEL', 'debug');
    const app = createJobify();
    expect(app.logger.level).toBe('debug');
    expect(pino.symbols.serializersSym in app.logger).toBe(true);
  });

  it('uses the pino logger it is given', () => {
    const logger = pino({ level: 'warn' });
    expect(createJobify({ logger }).logger).toBe(logger);
  });
});
