import { readFileSync } from 'node:fs';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Packr, pack, unpack } from 'msgpackr';
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

  it('stores each job as a compact msgpack array: version, name, status code, dueAt, data', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const dueAt = Date.UTC(2026, 0, 1);
    await storage.write([put(job('a', dueAt, Uint8Array.of(0, 255, 7)))]);
    const raw = await admin.hgetBuffer(redisKeys(namespace).jobs, 'a');
    const expected = Buffer.concat([
      Buffer.of(0x95, 0x02), // array of 5, format version 2
      Buffer.of(0xa9, ...Buffer.from('mail:send')),
      Buffer.of(0x00), // scheduled
      Buffer.of(0xcb, ...float64(dueAt)),
      Buffer.of(0xc4, 3, 0, 255, 7), // bin 8
    ]);
    expect(raw?.toString('hex')).toBe(expected.toString('hex'));
    expect(unpack(raw ?? Buffer.alloc(0))).toEqual([
      2,
      'mail:send',
      0,
      dueAt,
      Buffer.of(0, 255, 7),
    ]);
  });

  it('codes running as 1 and keeps any other status as its string', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const running = { ...job('r'), status: 'running' };
    const other = { ...job('o'), status: 'paused' };
    await storage.write([put(running), put(other)]);
    const raw = await admin.hmgetBuffer(redisKeys(namespace).jobs, 'r', 'o');
    expect(raw.map((bytes) => (unpack(bytes ?? Buffer.alloc(0)) as unknown[])[2])).toEqual([
      1,
      'paused',
    ]);
    expect(byId(await storage.load())).toEqual(byId([running, other]));
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

describe('redisStorage records of format version 1', () => {
  it('loads real version-1 records exactly as they were stored', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const fixtures = formatOneRecords();
    expect(fixtures.length).toBeGreaterThan(0);
    for (const { id, redis } of fixtures) await admin.hset(redisKeys(namespace).jobs, id, redis);
    await storage.write([put(job('new'))]);
    const expected = [...fixtures.map(({ redis: _, ...stored }) => stored), job('new')];
    expect(byId(await storage.load())).toEqual(byId(expected));
  });

  it('lists version-1 set-aside records, and sets a loaded version-1 job aside unchanged', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const [first, second] = formatOneRecords();
    if (!first || !second) throw new Error('the fixture holds fewer than two records');
    const { id, name, status, dueAt, data } = first;
    // As version 1 packed a set-aside record: the job's map plus reason and at.
    const v1 = new Packr({ useRecords: false, mapsAsObjects: true, useToJSON: false });
    const old = v1.pack({ v: 1, name, status, dueAt, data, reason: 'gone', at: 5 });
    await admin.hset(redisKeys(namespace).setAside, id, old);
    await admin.hset(redisKeys(namespace).jobs, second.id, second.redis);
    const [loaded] = await storage.load();
    if (!loaded) throw new Error('nothing loaded');
    await storage.setAside([{ job: loaded, reason: 'not registered', at: 7 }]);
    expect(await storage.listSetAside()).toEqual([
      { job: { id, name, status, dueAt, data }, reason: 'gone', at: 5 },
      { job: withoutRedis(second), reason: 'not registered', at: 7 },
    ]);
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

  it('treats a record of an unknown version, or a cut-off one, as unreadable', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    await storage.write([put(job('a'))]);
    const whole = (await admin.hgetBuffer(redisKeys(namespace).jobs, 'a')) ?? Buffer.alloc(0);
    const records = {
      future: pack([3, 'mail:send', 0, 1, Buffer.of(1)]),
      cut: whole.subarray(0, whole.length - 1),
      longer: Buffer.concat([whole, Buffer.of(0)]),
      code: pack([2, 'mail:send', 9, 1, Buffer.of(1)]),
    };
    for (const [id, bytes] of Object.entries(records)) {
      await admin.hset(redisKeys(namespace).jobs, id, bytes);
    }
    const loaded = byId(await storage.load());
    for (const [id, bytes] of Object.entries(records)) {
      expect(loaded[id], id).toMatchObject({ name: '', status: '', dueAt: 0 });
      expect(Buffer.from(loaded[id]?.data ?? []).equals(bytes), id).toBe(true);
    }
    expect(loaded.a).toEqual(job('a'));
  });
});

describe('redisStorage load()', () => {
  it('reads every job once over many HSCAN pages', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const jobs = Array.from({ length: 7_000 }, (_, i) =>
      job(`job-${i}`, i, Uint8Array.of(i % 256)),
    );
    await storage.write(jobs.map(put));
    const loaded = await storage.load();
    expect(loaded).toHaveLength(jobs.length);
    expect(byId(loaded)).toEqual(byId(jobs));
  });

  it('reads fields msgpackr packs in other forms: long strings and data, any number', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const jobs: StoredJob[] = [
      { ...job('str8', 1), name: `${'n'.repeat(40)}:x` },
      { ...job('str16', 2), name: `${'n'.repeat(300)}:x` },
      { ...job('utf8', 3), name: 'räder:süß', status: 'ünknown' },
      { ...job('bin16', 128), data: new Uint8Array(300).fill(9) },
      { ...job('bin32', 2 ** 31), data: new Uint8Array(70_000).fill(8) },
      job('negative', -1),
      job('fraction', 1.5),
      job('empty', 0, new Uint8Array(0)),
    ];
    await storage.write(jobs.map(put));
    expect(byId(await storage.load())).toEqual(byId(jobs));
  });

  it('hands set-aside the exact bytes of a loaded job', async () => {
    const storage = await opened(redisStorage({ url, namespace: nextNamespace() }));
    const data = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    await storage.write([put(job('a', 1)), put(job('b', 2, data)), put(job('c', 3))]);
    const loaded = (await storage.load()).find((stored) => stored.id === 'b');
    if (!loaded) throw new Error('b was not loaded');
    await storage.setAside([{ job: loaded, reason: 'test', at: 1 }]);
    const [aside] = await storage.listSetAside();
    expect(aside?.job).toEqual(job('b', 2, data));
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

/** Real records of format version 1, packed by the version-1 code, with what they hold. */
function formatOneRecords(): (StoredJob & { readonly redis: Buffer })[] {
  const file = new URL('../fixtures/format-1-records.json', import.meta.url);
  const records = JSON.parse(readFileSync(file, 'utf8')) as {
    id: string;
    name: string;
    status: string;
    dueAt: number;
    data: string;
    redis: string;
  }[];
  return records.map((record) => ({
    ...record,
    data: new Uint8Array(Buffer.from(record.data, 'base64')),
    redis: Buffer.from(record.redis, 'base64'),
  }));
}

function withoutRedis({ redis: _, ...stored }: StoredJob & { readonly redis: Buffer }): StoredJob {
  return stored;
}

/** Jobs by id, with data as plain bytes (a loaded one may be a Buffer view). */
function byId(jobs: readonly StoredJob[]): Record<string, StoredJob> {
  return Object.fromEntries(
    jobs.map((stored) => [stored.id, { ...stored, data: new Uint8Array(stored.data) }]),
  );
}

function float64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return bytes;
}

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
