import { describe, expect, it } from 'vitest';
import { JobifyError, UnrecoverableError } from '../../src/errors.js';
import { SmartRetry, toSmartRetry } from '../../src/scheduling/retry.js';
import type { ErrorClass, SmartRetryOptions } from '../../src/scheduling/retry.js';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: URL,
  ) {
    super(`HTTP ${status}`);
  }
}
class NotFoundError extends HttpError {}

describe('SmartRetry', () => {
  it('applies the documented defaults', () => {
    expect(new SmartRetry({ retries: 3 })).toMatchObject({
      retries: 3,
      initialDelay: 500,
      maxDelay: 60_000,
      backoffFactor: 2,
      jitter: true,
      include: [Error],
      exclude: [],
    });
  });

  it('accepts any Error class as include/exclude, whatever its constructor', () => {
    const classes: ErrorClass[] = [Error, TypeError, HttpError, NotFoundError, JobifyError];
    expect(new SmartRetry({ retries: 1, include: classes }).include).toEqual(classes);
  });

  describe('computeDelay', () => {
    it('doubles from initialDelay without jitter', () => {
      const retry = new SmartRetry({ retries: 5, initialDelay: 100, jitter: false });
      expect([1, 2, 3].map((n) => retry.computeDelay(n))).toEqual([100, 200, 400]);
    });

    it('is capped at maxDelay', () => {
      const retry = new SmartRetry({ retries: 9, initialDelay: 100, maxDelay: 300, jitter: false });
      expect([1, 2, 3, 4, 2000].map((n) => retry.computeDelay(n))).toEqual([
        100, 200, 300, 300, 300,
      ]);
    });

    it('uses backoffFactor and stays 0 when initialDelay is 0', () => {
      expect(
        new SmartRetry({
          retries: 3,
          initialDelay: 10,
          backoffFactor: 3,
          jitter: false,
        }).computeDelay(3),
      ).toBe(90);
      expect(new SmartRetry({ retries: 3, initialDelay: 0 }).computeDelay(5000)).toBe(0);
    });

    it('with jitter, lies within [d/2, d]', () => {
      const retry = new SmartRetry({ retries: 5, initialDelay: 100 });
      expect(retry.computeDelay(3, () => 0)).toBe(200);
      expect(retry.computeDelay(3, () => 1)).toBe(400);
      expect(retry.computeDelay(3, () => 0.5)).toBe(300);
      for (let i = 0; i < 100; i++) {
        const delay = retry.computeDelay(2);
        expect(delay).toBeGreaterThanOrEqual(100);
        expect(delay).toBeLessThanOrEqual(200);
      }
    });

    it('rejects an attempt that is not a positive integer', () => {
      const retry = new SmartRetry({ retries: 1 });
      expect(() => retry.computeDelay(0)).toThrow(/`attempt`/);
      expect(() => retry.computeDelay(1.5)).toThrow(/`attempt`/);
    });
  });

  describe('shouldRetry', () => {
    it('retries attempts 1..retries and stops after', () => {
      const retry = new SmartRetry({ retries: 3 });
      const error = new Error('boom');
      expect([1, 2, 3, 4].map((n) => retry.shouldRetry(error, n))).toEqual([
        true,
        true,
        true,
        false,
      ]);
      expect(new SmartRetry({ retries: 0 }).shouldRetry(error, 1)).toBe(false);
    });

    it('never retries an UnrecoverableError, even when included', () => {
      const retry = new SmartRetry({ retries: 3, include: [UnrecoverableError] });
      expect(retry.shouldRetry(new UnrecoverableError('gone'), 1)).toBe(false);
    });

    it('only retries included classes', () => {
      const retry = new SmartRetry({ retries: 3, include: [HttpError] });
      expect(retry.shouldRetry(new NotFoundError(404, new URL('https://x.test')), 1)).toBe(true);
      expect(retry.shouldRetry(new TypeError('nope'), 1)).toBe(false);
      expect(retry.shouldRetry('a string', 1)).toBe(false);
    });

    it('lets exclude win over include', () => {
      const retry = new SmartRetry({ retries: 3, exclude: [NotFoundError] });
      expect(retry.shouldRetry(new HttpError(500, new URL('https://x.test')), 1)).toBe(true);
      expect(retry.shouldRetry(new NotFoundError(404, new URL('https://x.test')), 1)).toBe(false);
    });
  });

  it.each<[string, unknown]>([
    ['retries', { retries: -1 }],
    ['retries', { retries: 1.5 }],
    ['retries', {}],
    ['initialDelay', { retries: 1, initialDelay: -1 }],
    ['maxDelay', { retries: 1, maxDelay: Number.POSITIVE_INFINITY }],
    ['backoffFactor', { retries: 1, backoffFactor: 0.5 }],
    ['jitter', { retries: 1, jitter: 'yes' }],
    ['include', { retries: 1, include: Error }],
    ['exclude', { retries: 1, exclude: ['TypeError'] }],
  ])('rejects a bad `%s` naming it', (name, options) => {
    const create = (): SmartRetry => new SmartRetry(options as SmartRetryOptions);
    expect(create).toThrow(JobifyError);
    expect(create).toThrow(`Expected \`${name}\``);
  });
});

describe('toSmartRetry', () => {
  it('turns a count into a SmartRetry and keeps the rest', () => {
    const fromCount = toSmartRetry(3);
    expect(fromCount).toBeInstanceOf(SmartRetry);
    expect(fromCount?.retries).toBe(3);
    const given = new SmartRetry({ retries: 1 });
    expect(toSmartRetry(given)).toBe(given);
    expect(toSmartRetry(undefined)).toBeUndefined();
  });

  it('rejects anything else naming `retry`', () => {
    expect(() => toSmartRetry(-1)).toThrow(
      'Expected `retry` to be a non-negative integer or a SmartRetry, got -1',
    );
    expect(() => toSmartRetry('3' as unknown as number)).toThrow(/`retry`/);
  });
});
