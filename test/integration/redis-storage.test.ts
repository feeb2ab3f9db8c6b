import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { unpack } from 'msgpackr';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobify, createSimulatedClock } from '../../src/index.js';
import { namespaceKeyPattern, redisKeys } from '../../src/storage/redis/keys.js';
import { redisStorage } from '../../src/storage/redis/redis-storage.js';
import type { Storage, StoredJob, StorageWrite } from '../../src/storage/storage.js';
import { deleteKeys, scanKeys } from '../support/redis.js';

// Talks to the real Redis; every case works in a namespace of its own and removes it after.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `jobify-test-${process.pid}-${Date.now()}`;
const logger = pino({ enabled: false });
const admin = new Redis(url, { lazyConnect: true });
const toClose: Storage[] = [];
let cases = 0;
let namespace = '';

beforeAll(() => admin.connect());

afterEach(async () => {
  for (const storage of toClose.splice(0).reverse()) await storage.close();
  if (namespace === '') return;
  await deleteKeys(admin, namespaceKeyPattern(namespace));
});

afterAll(() => admin.quit());

/** A fresh namespace for each case, set before the case body runs. */
function nextNamespace(): string {
  cases += 1;
  namespace = `${runId}-${cases}`;
  return namespace;
}

async function opened(storage: Storage): Promise<Storage> {
  await storage.open({ namespace, logger });
  toClose.push(storage);
  return storage;
}

describe('redisStorage key layout', () => {
  it('keeps every key under the {namespace} hash tag, with the type each role needs', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    await storage.write([put(job('a')), put(job('b'))]);
    await storage.setAside([{ job: job('b'), reason: 'test', at: 1 }]);
    const keys = redisKeys(namespace);
    const found = await scanKeys(admin, `*${runId}*`);
    expect(found.sort()).toEqual([keys.due, keys.events, keys.jobs, keys.setAside].sort());
    for (const key of found) expect(key.startsWith(`{${namespace}}:`)).toBe(true);
    expect(await admin.type(keys.jobs)).toBe('hash');
    expect(await admin.type(keys.due)).toBe('zset');
    expect(await admin.type(keys.events)).toBe('stream');
    expect(await admin.type(keys.setAside)).toBe('hash');
  });

  it('stores each job as a plain msgpack map with a format version', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const stored = job('a', 1_000, Uint8Array.of(0, 255, 7));
    await storage.write([put(stored)]);
    const raw = await admin.hgetBuffer(redisKeys(namespace).jobs, 'a');
    expect(raw).not.toBeNull();
    const record = unpack(raw ?? Buffer.alloc(0)) as Record<string, unknown>;
    expect(record).toMatchObject({ v: 1, name: 'mail:send', status: 'scheduled', dueAt: 1_000 });
    expect([...(record.data as Uint8Array)]).toEqual([0, 255, 7]);
  });

  it('scores the due ZSET by dueAt and follows puts and deletes', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const dueAt = Date.UTC(2026, 5, 1, 12, 30);
    await storage.write([put(job('a', dueAt)), put(job('b', dueAt + 1)), put(job('c', 5))]);
    await storage.write([{ type: 'delete', id: 'c' }, put(job('a', dueAt + 2))]);
    const scores = await admin.zrange(redisKeys(namespace).due, '0', '-1', 'WITHSCORES');
    expect(scores).toEqual(['b', String(dueAt + 1), 'a', String(dueAt + 2)]);
  });

  it('appends one small stream entry per write', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    await storage.write([put(job('a', 10)), put(job('b', 20))]);
    await storage.write([{ type: 'delete', id: 'a' }]);
    const entries = await admin.xrange(redisKeys(namespace).events, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['id', 'a', 'type', 'put', 'status', 'scheduled', 'dueAt', '10'],
      ['id', 'b', 'type', 'put', 'status', 'scheduled', 'dueAt', '20'],
      ['id', 'a', 'type', 'delete'],
    ]);
  });

  it('trims the stream to about streamMaxLength while every job stays in the hash', async () => {
    const storage = redisStorage({ url, namespace: nextNamespace(), streamMaxLength: 10 });
    await opened(storage);
    const writes = Array.from({ length: 1_000 }, (_, i) => put(job(`job-${i}`, i)));
    await storage.write(writes);
    const keys = redisKeys(namespace);
    const length = await admin.xlen(keys.events);
    // MAXLEN ~ trims whole stream nodes (100 entries by default), so the cap is approximate.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(250);
    expect(await admin.hlen(keys.jobs)).toBe(1_000);
    expect(await storage.load()).toHaveLength(1_000);
  });
});

describe('redisStorage records it cannot read', () => {
  it('returns them from load() with name "" and the raw bytes, then sets them aside', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    await storage.write([put(job('good'))]);
    const garbage = Buffer.from([0xc1, 0x00, 0xff]);
    await admin.hset(redisKeys(namespace).jobs, 'broken', garbage);
    const loaded = await storage.load();
    const broken = loaded.find((stored) => stored.id === 'broken');
    expect(broken).toMatchObject({ name: '', status: '', dueAt: 0 });
    expect(Buffer.from(broken?.data ?? []).equals(garbage)).toBe(true);
    if (!broken) return;
    await storage.setAside([{ job: broken, reason: "task '' is not registered", at: 3 }]);
    expect((await storage.load()).map((stored) => stored.id)).toEqual(['good']);
    const [aside] = await storage.listSetAside();
    expect(Buffer.from(aside?.job.data ?? []).equals(garbage)).toBe(true);
  });
});

describe('redisStorage connections', () => {
  it('does not close a client passed in', async () => {
    nextNamespace();
    const client = new Redis(url);
    try {
      const storage = redisStorage({ client });
      await storage.open({ namespace, logger });
      await storage.write([put(job('a'))]);
      await storage.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
      expect(await client.hexists(redisKeys(namespace).jobs, 'a')).toBe(1);
    } finally {
      await client.quit();
    }
  });

  it('refuses url and client together, naming both', () => {
    const client = new Redis(url, { lazyConnect: true });
    expect(() => redisStorage({ url, client })).toThrow(/`url` or `client`, not both/);
    client.disconnect();
  });

  it('names bad options', () => {
    expect(() => redisStorage({ streamMaxLength: 0 })).toThrow(/`streamMaxLength`.*got 0/);
    expect(() => redisStorage({ namespace: 'a}b' })).toThrow(/`namespace`/);
    expect(() => redisStorage({ urll: url } as never)).toThrow(/`urll`/);
  });

  it('fails open() at once when Redis cannot be reached', async () => {
    const storage = redisStorage({ url: 'redis://:secret@127.0.0.1:1' });
    const opening = storage.open({ namespace: 'unreachable', logger });
    await expect(opening).rejects.toThrow(/Cannot connect to Redis at redis:\/\/:\*\*\*@/);
    await storage.close();
  });

  it('uses the app namespace when none is given', async () => {
    nextNamespace();
    const storage = await opened(redisStorage({ url }));
    await storage.write([put(job('a'))]);
    expect(await admin.hexists(redisKeys(namespace).jobs, 'a')).toBe(1);
  });
});

describe('redisStorage through a Redis outage', () => {
  it('holds a write issued while Redis is away and applies it when Redis is back', async () => {
    nextNamespace();
    const proxy = await startProxy();
    const storage = await opened(redisStorage({ url: `redis://127.0.0.1:${proxy.port}` }));
    await proxy.stop();
    let settled = false;
    const writing = storage.write([put(job('a'))]).finally(() => (settled = true));
    // Long enough for a few reconnect attempts (50 ms, 100 ms, …) to fail.
    await sleep(200);
    expect(settled).toBe(false);
    expect(await admin.hexists(redisKeys(namespace).jobs, 'a')).toBe(0);
    const back = await startProxy(proxy.port);
    try {
      await writing;
      expect(await admin.hexists(redisKeys(namespace).jobs, 'a')).toBe(1);
      expect(await storage.load()).toHaveLength(1);
    } finally {
      await storage.close();
      await back.stop();
    }
  });
});

describe('redisStorage with createJobify', () => {
  it('runs a job scheduled before a restart, in a new app, with its args', async () => {
    const ns = nextNamespace();
    const start = Date.UTC(2026, 0, 1);
    const runs: unknown[][] = [];
    async function send(to: string, copies: number): Promise<string> {
      runs.push([to, copies]);
      return Promise.resolve(`sent to ${to}`);
    }

    const first = createJobify({
      storage: redisStorage({ url, namespace: ns }),
      clock: createSimulatedClock(start),
      logger: false,
    });
    const firstSend = first.task(send);
    await first.start();
    const job = await firstSend.schedule('ada@example.com', 2).delay(60_000);
    expect(job.status).toBe('scheduled');
    await first.stop();
    expect(runs).toEqual([]);
    expect(await admin.hlen(redisKeys(ns).jobs)).toBe(1);

    const clock = createSimulatedClock(start + 1_000);
    const second = createJobify({
      storage: redisStorage({ url, namespace: ns }),
      clock,
      logger: false,
    });
    second.task(send);
    await second.start();
    await clock.advance(59_000);
    await second.waitAll();
    await second.stop();
    expect(runs).toEqual([['ada@example.com', 2]]);
    expect(await admin.hlen(redisKeys(ns).jobs)).toBe(0);
  });
});

function job(id: string, dueAt = Date.UTC(2026, 0, 1), data = Uint8Array.of(1, 2, 3)): StoredJob {
  return { id, name: 'mail:send', status: 'scheduled', dueAt, data };
}

function put(stored: StoredJob): StorageWrite {
  return { type: 'put', job: stored };
}

/** A TCP proxy to the test Redis that can be cut, to play an outage without touching Redis. */
async function startProxy(port = 0): Promise<{ port: number; stop(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', drop).on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
