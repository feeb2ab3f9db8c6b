import { describe, it, expect } from 'vitest';
import {
  createJobify,
  createSimulatedClock,
  createRouter,
  getJobContext,
} from '../../src/index.js';

describe('smoke', () => {
  it('runs a pushed job', async () => {
    const clock = createSimulatedClock();
    const app = createJobify({ clock, logger: false });
    const add = app.task(async function add(a: number, b: number) {
      return a + b;
    });
    await app.start();
    const job = await add.push(1, 2);
    expect(await job.result()).toBe(3);
    const delayed = await add.schedule(2, 3).delay(5000);
    expect(delayed.status).toBe('scheduled');
    await clock.advance(5000);
    expect(await delayed.result()).toBe(5);
    await app.stop();
  });
  it('retries', async () => {
    const clock = createSimulatedClock();
    const app = createJobify({ clock, logger: false });
    let calls = 0;
    const flaky = app.task(
      async function flaky() {
        calls++;
        if (calls < 3) throw new Error('no');
        return 'ok';
      },
      { retry: 3 },
    );
    await app.start();
    const job = await flaky.push();
    await clock.advance(60_000);
    expect(await job.result()).toBe('ok');
    expect(calls).toBe(3);
    await app.stop();
  });
});
