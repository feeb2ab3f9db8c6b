import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { type Jobify, createJobify, getJobContext, redisStorage } from '../../src/index.js';
import { redisKeys } from '../../src/storage/redis/keys.js';

// A Redis server of this test's own goes away for a second and comes back with its data
// (append-only file), while an app in this process keeps scheduling and running jobs.

const NAMESPACE = 'restart';
const OUTAGE_MS = 1_000;
let dir = '';
let server: ChildProcess | undefined;
let app: Jobify | undefined;

afterAll(async () => {
  await app?.stop().catch(() => undefined);
  if (server) await stopServer(server, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A port nobody listens on, from 6390 up with a random offset. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 6390 + Math.floor(Math.random() * 2_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** redis-server in the foreground, persisting to an append-only file in `dir` only. */
function startServer(port: number): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no');
  return spawn('redis-server', args, { stdio: 'ignore' });
}

async function stopServer(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Resolves once the server answers PING. */
async function waitForPing(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING`);
    await sleep(25);
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('an app keeps running through a Redis restart: every job runs once, none is left', async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobify-redis-restart-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  server = startServer(port);
  await waitForPing(port);

  const runs = new Map<string, number>();
  const due = new Map<string, number>();
  app = createJobify({ storage: redisStorage({ url, namespace: NAMESPACE }), logger: false });
  const work = app.task(function work(ctx = getJobContext()) {
    runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
  });
  await app.start();
  const schedule = (id: string, delay: number) => {
    due.set(id, Date.now() + delay);
    return work.schedule().delay(delay, { jobId: id });
  };

  // 20 jobs spread over 3 s; the outage begins once a few of them ran.
  for (let i = 0; i < 20; i++) await schedule(`job-${i}`, i * 150);
  await waitUntil(() => runs.size >= 3, 'the first runs');
  const outageFrom = Date.now();
  await stopServer(server, 'SIGTERM');
  expect(await ping(port)).toBe(false);
  // Scheduled while Redis is away: not awaited here, in case schedule() waits for storage.
  const duringOutage = [0, 1, 2].map((i) => schedule(`outage-${i}`, 200));
  await sleep(OUTAGE_MS);
  server = startServer(port);
  await waitForPing(port);
  const outageTo = Date.now();
  await Promise.all(duringOutage);

  // The data survived the restart: a job due after it is still stored.
  const admin = new Redis(url);
  try {
    expect(await admin.hexists(redisKeys(NAMESPACE).jobs, 'job-19')).toBe(1);
    // Jobs scheduled after the restart go through the reconnected client.
    for (let i = 0; i < 3; i++) await schedule(`after-${i}`, 100);
    await app.waitAll(10_000);
    await app.stop();

    const expected = [...due.keys()].sort();
    expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(expected.map((id) => [id, 1])));
    const dueInOutage = expected.filter((id) => {
      const at = due.get(id) ?? 0;
      return at > outageFrom && at < outageTo;
    });
    expect(dueInOutage.length).toBeGreaterThanOrEqual(3);
    // Every delete reached the restarted server: nothing is left stored.
    expect(await admin.hlen(redisKeys(NAMESPACE).jobs)).toBe(0);
    expect(await admin.zcard(redisKeys(NAMESPACE).due)).toBe(0);
  } finally {
    admin.disconnect();
  }
}, 20_000);
