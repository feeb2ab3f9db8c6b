import { Redis } from 'ioredis';
import { afterAll, expect } from 'vitest';
import { namespaceKeyPattern } from '../../src/storage/redis/keys.js';
import { redisStorage } from '../../src/storage/redis/redis-storage.js';
import { deleteKeys, scanKeys } from '../support/redis.js';
import { describeStorageConformance } from './storage-suite.js';

// The real Redis, never a mock: the suite is about what the server actually keeps.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `jobify-test-${process.pid}-${Date.now()}`;
const admin = new Redis(url, { lazyConnect: true });
let cases = 0;

describeStorageConformance(
  'redisStorage',
  () => {
    cases += 1;
    const namespace = `${runId}-${cases}`;
    const otherNamespace = `${namespace}-other`;
    // No `namespace` option: the storage takes the one the suite passes to open().
    return Promise.resolve({
      storage: redisStorage({ url }),
      reopen: () => Promise.resolve(redisStorage({ url })),
      cleanup: async () => {
        for (const ns of [namespace, otherNamespace])
          await deleteKeys(admin, namespaceKeyPattern(ns));
      },
      namespace,
      otherNamespace,
    });
  },
  { namespaces: true },
);

afterAll(async () => {
  // Every case cleaned up after itself: nothing of this run is left behind.
  expect(await scanKeys(admin, `{${runId}*`)).toEqual([]);
  await admin.quit();
});
