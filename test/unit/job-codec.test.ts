import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/actors/job-machine.js';
import type { JobState } from '../../src/actors/job-transition.js';
import { Cron } from '../../src/scheduling/cron.js';
import { msgpackSerializer } from '../../src/serialization/serializer.js';
import { decodeJob, encodeJob } from '../../src/storage/job-codec.js';
import type { StoredJob } from '../../src/storage/storage.js';
import { FORMAT_ONE, formatOneJob } from '../support/format-one.js';

const START = Date.UTC(2026, 0, 1);
const serializer = msgpackSerializer();

function base(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1',
    name: 'mail:send',
    args: [],
    trigger: { type: 'push' },
    execAt: START,
    attempt: 1,
    ...overrides,
  };
}

function roundTrip(state: JobState): JobState {
  return decodeJob(encodeJob(state, serializer), serializer);
}

describe('stored job data (format 2)', () => {
  it('round-trips every trigger, the last error, a pending replacement and rich arguments', () => {
    const cron = new Cron('0 8 * * 1-5', { maxRuns: 3, tz: 'Europe/Berlin' }).toSpec();
    const states: JobState[] = [
      { status: 'scheduled', record: base() },
      {
        status: 'scheduled',
        record: base({ trigger: { type: 'at', at: START + 5 }, execAt: START + 5 }),
      },
      {
        status: 'running',
        record: base({
          trigger: { type: 'cron', cron, occurrence: START, runCount: 2, failureCount: 1 },
          attempt: 3,
          lastError: { name: 'TypeError', message: 'no', stack: 'TypeError: no\n    at x' },
          next: { args: [1], trigger: { type: 'at', at: START + 9 }, execAt: START + 9 },
        }),
      },
      {
        status: 'scheduled',
        record: base({
          args: [new Map([['when', new Date(START)]]), 10n ** 20n, { nested: [null, 'x'] }],
          lastError: { name: 'Error', message: 'once' },
        }),
      },
    ];
    for (const state of states) expect(roundTrip(state)).toEqual(state);
  });

  it('keeps what the StoredJob fields hold out of data: a job without arguments is tiny', () => {
    const stored = encodeJob(
      {
        status: 'scheduled',
        record: base({ trigger: { type: 'at', at: START }, id: 'x'.repeat(26) }),
      },
      serializer,
    );
    expect(stored).toMatchObject({
      id: 'x'.repeat(26),
      name: 'mail:send',
      status: 'scheduled',
      dueAt: START,
    });
    expect(stored.data.byteLength).toBeLessThanOrEqual(16);
  });

  it('names what is wrong with a record it cannot resume', () => {
    const job = (data: unknown, status = 'scheduled'): StoredJob => ({
      id: 'job-1',
      name: 'mail:send',
      status,
      dueAt: START,
      data: serializer.encode(data),
    });
    expect(() => decodeJob(job([3, [], 1, 0]), serializer)).toThrow('unknown record format 3');
    expect(() => decodeJob(job({ v: 9 }), serializer)).toThrow('unknown record format 9');
    expect(() => decodeJob(job([2, 'x', 1, 0]), serializer)).toThrow('arguments are not an array');
    expect(() => decodeJob(job([2, [], 0, 0]), serializer)).toThrow('attempt 0 is not valid');
    expect(() => decodeJob(job([2, [], 1, [7]]), serializer)).toThrow('trigger [7]');
    expect(() => decodeJob(job([2, [], 1, 0], 'success'), serializer)).toThrow(
      "status success is not a live job's",
    );
  });
});

describe('stored job data written by format 1', () => {
  it('decodes every kind of record the format-1 engine wrote', () => {
    const states = FORMAT_ONE.map((record) => decodeJob(formatOneJob(record), serializer));
    expect(states.map((state) => state.status)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
      'running',
    ]);
    const [at, retry, cron] = states;
    expect(at?.record).toMatchObject({
      id: 'at-job',
      name: 'send',
      args: ['a@b.c', new Map([['when', new Date(START + 5)]])],
      trigger: { type: 'at', at: START + 60_000 },
      execAt: START + 60_000,
      attempt: 1,
    });
    expect(retry?.record).toMatchObject({
      name: 'flaky',
      args: [7],
      attempt: 2,
      lastError: { name: 'Error', message: 'boom 7' },
    });
    expect(cron?.record.trigger).toMatchObject({ type: 'cron', runCount: 0, failureCount: 0 });
  });

  it('is written back in format 2 with the same state', () => {
    for (const record of FORMAT_ONE) {
      const state = decodeJob(formatOneJob(record), serializer);
      expect(roundTrip(state)).toEqual(state);
    }
  });
});
