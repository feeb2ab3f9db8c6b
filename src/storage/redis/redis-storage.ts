import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobifyError, StorageError, invalidOption, toError, unknownOption } from '../../errors.js';
import type { SetAsideJob, Storage, StorageContext, StoredJob, StorageWrite } from '../storage.js';
import { connectRedis, quitRedis } from './connection.js';
import { type RedisKeys, assertNamespace, redisKeys } from './keys.js';
import {
  packJobRecord,
  packSetAsideRecord,
  unpackJobRecord,
  unpackSetAsideRecord,
} from './record.js';

/**
 * Options of {@link redisStorage}.
 *
 * @example
 * const storage = redisStorage({ url: 'redis://cache:6379/2', namespace: 'billing' });
 */
export interface RedisStorageOptions {
  /**
   * Where to connect; the storage owns this connection. Not together with `client`.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /** A client of yours to use instead of `url`; `close()` leaves it open. */
  client?: Redis;
  /** Hash tag of every key (`{<namespace>}:jobs`…). @default the app's `namespace` */
  namespace?: string;
  /** Approximate cap of the change-log stream (`XADD MAXLEN ~`). @default 10_000 */
  streamMaxLength?: number;
}

const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  streamMaxLength: 10_000,
} satisfies Required<Pick<RedisStorageOptions, 'url' | 'streamMaxLength'>>;

const KNOWN = new Set(['url', 'client', 'namespace', 'streamMaxLength']);

/**
 * HSCAN page size. Redis spends about 1 µs an entry building a page of small records, so a
 * page blocks it for 2–4 ms; a larger one saves little, since the next page is requested
 * while the current one is decoded.
 */
const SCAN_COUNT = 2000;

/**
 * The commands `defineCommand` adds. Typed here, not by augmenting ioredis' types, which
 * would change the `Redis` type of every user. `argv` goes as one array (ioredis flattens
 * it) so a batch of thousands of writes is never spread into a call's arguments.
 */
interface ScriptCommands {
  jobifyWriteBatchBuffer(
    jobs: string,
    due: string,
    events: string,
    argv: readonly (string | Uint8Array)[],
  ): Promise<number>;
  jobifySetAsideBuffer(
    jobs: string,
    due: string,
    setAside: string,
    events: string,
    argv: readonly (string | Uint8Array)[],
  ): Promise<number>;
}

type ScriptedClient = Redis & ScriptCommands;

interface OpenState {
  readonly client: ScriptedClient;
  /** Whether we created the client, and so must quit it on close. */
  readonly owned: boolean;
  readonly keys: RedisKeys;
  readonly logger: Logger;
  readonly maxLen: string;
}

/**
 * Keeps jobs in Redis, so they survive the process and can be inspected from outside.
 * Per namespace: a HASH of job id → packed record (`{ns}:jobs`), a ZSET of due times
 * (`{ns}:due`), a STREAM change log with one small entry per put, delete and set-aside
 * (`{ns}:events`, trimmed, never the only copy), and a HASH of set-aside records
 * (`{ns}:set-aside`). Every batch is one Lua script: one round trip, applied atomically.
 *
 * The connection it creates waits through a Redis outage (`maxRetriesPerRequest: null`):
 * commands queue until Redis is back. Only `open()` fails fast, when the first connection
 * cannot be made.
 *
 * A stored record that cannot be unpacked does not fail `load()`: it is returned with
 * name `''`, status `''`, dueAt 0 and the record's raw bytes as data, and logged, so the
 * engine sets it aside (nothing is dropped).
 *
 * @example
 * const app = createJobify({ storage: redisStorage({ url: 'redis://127.0.0.1:6379' }) });
 */
export function redisStorage(options: RedisStorageOptions = {}): Storage {
  checkOptions(options);
  const maxLen = String(options.streamMaxLength ?? DEFAULTS.streamMaxLength);
  let state: OpenState | undefined;

  const opened = (): OpenState => {
    if (!state) throw new StorageError('redisStorage is not open: call open() first.');
    return state;
  };

  return {
    async open(context: StorageContext) {
      if (state) throw new StorageError('redisStorage is already open: close() it first.');
      const keys = redisKeys(options.namespace ?? context.namespace);
      const scripts = loadScripts();
      const owned = options.client === undefined;
      const client =
        options.client ?? (await connectRedis(options.url ?? DEFAULTS.url, context.logger));
      try {
        await client.ping();
      } catch (error) {
        if (owned) client.disconnect();
        throw new StorageError(`Redis did not answer PING: ${toError(error).message}`, {
          cause: error,
        });
      }
      client.defineCommand('jobifyWriteBatch', { numberOfKeys: 3, lua: scripts.writeBatch });
      client.defineCommand('jobifySetAside', { numberOfKeys: 4, lua: scripts.setAside });
      state = { client: client as ScriptedClient, owned, keys, logger: context.logger, maxLen };
    },

    async close() {
      const current = state;
      state = undefined;
      if (current?.owned) await quitRedis(current.client);
    },

    /**
     * Every stored job, read in HSCAN pages. Each `data` is a view into an HSCAN reply, not
     * a copy: the engine decodes it right away; kept, it would keep the reply's buffer alive.
     */
    async load() {
      const { client, keys, logger } = opened();
      const jobs: StoredJob[] = [];
      // Only to replace a job HSCAN returns twice; its later copy wins.
      const indexOf = new Map<string, number>();
      await scanHash(client, keys.jobs, (field, value) => {
        const id = field.toString();
        const { job, error } = unpackJobRecord(id, value);
        if (error) logger.warn({ jobId: id, err: error }, 'stored record cannot be unpacked');
        const index = indexOf.get(id);
        if (index === undefined) indexOf.set(id, jobs.push(job) - 1);
        else jobs[index] = job;
      });
      return jobs;
    },

    async write(batch: readonly StorageWrite[]) {
      const { client, keys } = opened();
      if (batch.length === 0) return;
      const argv = writeArgs(batch, maxLen);
      // Should the connection drop mid-call, ioredis sends the script again: puts and deletes
      // are idempotent, so the only trace is a repeated stream entry.
      await client.jobifyWriteBatchBuffer(keys.jobs, keys.due, keys.events, argv);
    },

    async setAside(entries: readonly SetAsideJob[]) {
      const { client, keys } = opened();
      if (entries.length === 0) return;
      const argv: (string | Uint8Array)[] = [maxLen];
      for (const entry of entries) argv.push(entry.job.id, packSetAsideRecord(entry));
      await client.jobifySetAsideBuffer(keys.jobs, keys.due, keys.setAside, keys.events, argv);
    },

    async listSetAside() {
      const { client, keys } = opened();
      const byId = new Map<string, SetAsideJob>();
      await scanHash(client, keys.setAside, (field, value) => {
        const id = field.toString();
        byId.set(id, unpackSetAsideRecord(id, value));
      });
      // A hash has no order; oldest first matches what the memory backend returns.
      return [...byId.values()].sort((a, b) => a.at - b.at || (a.job.id < b.job.id ? -1 : 1));
    },
  };
}

function checkOptions(options: RedisStorageOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw unknownOption('redisStorage', key, KNOWN);
  }
  const { url, client, namespace, streamMaxLength } = options;
  if (url !== undefined && client !== undefined) {
    throw new JobifyError(
      'redisStorage() takes either `url` or `client`, not both: pass `client` to share a ' +
        'connection of yours, or `url` to let the storage own one.',
      { code: 'INVALID_OPTION' },
    );
  }
  if (url !== undefined && (typeof url !== 'string' || url === '')) {
    throw invalidOption('url', 'a non-empty Redis URL', url);
  }
  if (client !== undefined && typeof (client as Partial<Redis>).defineCommand !== 'function') {
    throw invalidOption('client', 'an ioredis client', client);
  }
  if (namespace !== undefined) assertNamespace(namespace);
  if (
    streamMaxLength !== undefined &&
    (!Number.isSafeInteger(streamMaxLength) || streamMaxLength <= 0)
  ) {
    throw invalidOption('streamMaxLength', 'a positive integer', streamMaxLength);
  }
}

/**
 * Hands every field and value of a hash to `onEntry`, read in HSCAN pages. The next page is
 * asked for before `onEntry` sees the current one, so Redis works on it while we decode.
 * Both buffers are views into the reply. HSCAN may hand a field over twice (when the hash
 * is resized mid-scan); the later value is the newer one.
 */
async function scanHash(
  client: Redis,
  key: string,
  onEntry: (field: Buffer, value: Buffer) => void,
): Promise<void> {
  let pending = client.hscanBuffer(key, '0', 'COUNT', SCAN_COUNT);
  for (;;) {
    const [next, page] = await pending;
    const cursor = next.toString();
    if (cursor !== '0') {
      pending = client.hscanBuffer(key, cursor, 'COUNT', SCAN_COUNT);
      // Should `onEntry` throw, the page in flight is never awaited: not an unhandled rejection.
      pending.catch(() => undefined);
    }
    for (let i = 0; i + 1 < page.length; i += 2) {
      const field = page[i];
      const value = page[i + 1];
      if (field && value) onEntry(field, value);
    }
    if (cursor === '0') return;
  }
}

/** ARGV of write-batch.lua: the stream cap, then each write as `put id dueAt status record` or `delete id`. */
function writeArgs(batch: readonly StorageWrite[], maxLen: string): (string | Uint8Array)[] {
  const argv: (string | Uint8Array)[] = [maxLen];
  for (const change of batch) {
    if (change.type === 'delete') {
      argv.push('delete', change.id);
      continue;
    }
    const { job } = change;
    // The script would refuse a non-numeric score too; refusing here names the job.
    if (!Number.isFinite(job.dueAt)) {
      throw new StorageError(`Job '${job.id}' has dueAt ${job.dueAt}; expected epoch ms.`);
    }
    argv.push('put', job.id, String(job.dueAt), job.status, packJobRecord(job));
  }
  return argv;
}

interface Scripts {
  readonly writeBatch: string;
  readonly setAside: string;
}

let scripts: Scripts | undefined;

/** Read on first open, not on import, so an app that never uses Redis never needs the files. */
function loadScripts(): Scripts {
  scripts ??= { writeBatch: readScript('write-batch.lua'), setAside: readScript('set-aside.lua') };
  return scripts;
}

function readScript(file: string): string {
  const url = new URL(`./scripts/${file}`, import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (error) {
    const message = `Cannot read the Lua script ${url.pathname}: ${toError(error).message}`;
    throw new StorageError(message, { cause: error });
  }
}
