import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/internal/ids.js';

const T = Date.UTC(2026, 0, 1);

describe('the default id generator', () => {
  it('makes valid ULIDs of the current millisecond, strictly increasing within it', () => {
    let now = T;
    const newId = createIdGenerator(() => now);
    const ids = Array.from({ length: 5_000 }, (_, i) => {
      if (i % 1000 === 999) now += 1;
      return newId();
    });
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(decodeTime(ids[0] ?? '')).toBe(T);
    expect(decodeTime(ids.at(-1) ?? '')).toBe(T + 5);
  });

  it('counts on from the last id when the clock goes back, like ulid', () => {
    let now = T + 10;
    const newId = createIdGenerator(() => now);
    const before = newId();
    now = T;
    const after = newId();
    expect(after > before).toBe(true);
    expect(decodeTime(after)).toBe(T + 10);
  });

  it('carries through Z in the random part, and throws when it runs out', () => {
    // ulid draws the random characters last one first: make them '…00ZZ', then all 'Z'.
    let draws = 0;
    const random = () => (draws++ % 16 < 2 ? 0.99999 : 0);
    const newId = createIdGenerator(() => T, random);
    expect(newId().slice(10)).toBe('00000000000000ZZ');
    expect(newId().slice(10)).toBe('0000000000000100');
    expect(newId().slice(10)).toBe('0000000000000101');
    const full = createIdGenerator(
      () => T,
      () => 0.99999,
    );
    expect(full().slice(10)).toBe('Z'.repeat(16));
    expect(() => full()).toThrow('more ULIDs in one millisecond');
  });
});
