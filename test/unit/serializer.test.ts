import { describe, expect, it } from 'vitest';
import { msgpackSerializer } from '../../src/index.js';

const roundTrip = (value: unknown) => {
  const serializer = msgpackSerializer();
  return serializer.decode(serializer.encode(value));
};

describe('msgpackSerializer round-trips what job arguments hold', () => {
  it('keeps plain objects as objects and Maps as Maps', () => {
    const value = {
      plain: { a: 1 },
      map: new Map<unknown, unknown>([
        ['k', { x: 1 }],
        [2, 'two'],
      ]),
    };
    const back = roundTrip(value) as typeof value;
    expect(back.plain).toEqual({ a: 1 });
    expect(back.plain).not.toBeInstanceOf(Map);
    expect(back.map).toBeInstanceOf(Map);
    expect([...back.map]).toEqual([
      ['k', { x: 1 }],
      [2, 'two'],
    ]);
  });

  it('keeps Date, Set, BigInt (small and beyond 64 bits) and typed arrays', () => {
    const value = {
      date: new Date('2026-01-02T03:04:05.678Z'),
      set: new Set([1, 'a']),
      small: 5n,
      huge: 2n ** 80n,
      bytes: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([1.5, -2]),
    };
    const back = roundTrip(value) as typeof value;
    expect(back.date).toEqual(value.date);
    expect(back.set).toEqual(value.set);
    expect(back.small).toBe(5n);
    expect(back.huge).toBe(2n ** 80n);
    expect(back.bytes).toEqual(value.bytes);
    expect(back.floats).toEqual(value.floats);
  });

  it('keeps an Error with its name, message, cause and custom fields', () => {
    class HttpError extends Error {
      override name = 'HttpError';
      constructor(
        message: string,
        readonly status: number,
        options?: ErrorOptions,
      ) {
        super(message, options);
      }
    }
    const error = new HttpError('bad gateway', 502, { cause: new Error('socket closed') });
    const back = roundTrip({ error }) as { error: Error & { status?: number } };
    expect(back.error).toBeInstanceOf(Error);
    expect(back.error.name).toBe('HttpError');
    expect(back.error.message).toBe('bad gateway');
    expect(back.error.status).toBe(502);
    expect((back.error.cause as Error).message).toBe('socket closed');
  });

  it('returns values without Maps or Errors unchanged in shape', () => {
    const value = { a: [1, 2, { b: 'c' }], n: null, u: undefined };
    expect(roundTrip(value)).toEqual(value);
  });
});
