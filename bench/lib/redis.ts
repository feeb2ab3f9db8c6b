import { Redis } from 'ioredis';

/** The Redis every scenario uses. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every bench key starts with this, so a sweep never touches anyone else's keys. */
export const BENCH_PREFIX = 'jobify-bench';

/** A plain client for measuring and cleaning up (never the one under test). */
export function openRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

/** Keys matching `pattern`, read with SCAN (never KEYS, which blocks a shared server). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key matching `pattern`; returns how many there were. */
export async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  const keys = await scanKeys(client, pattern);
  for (let i = 0; i < keys.length; i += 1000) await client.unlink(...keys.slice(i, i + 1000));
  return keys.length;
}

/** A field of `INFO <section>` as a number. */
async function infoNumber(client: Redis, section: string, field: string): Promise<number> {
  const info = await client.info(section);
  const match = new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info);
  if (!match?.[1]) throw new Error(`INFO ${section} has no ${field}`);
  return Number(match[1]);
}

/** `used_memory` of the whole server, bytes. */
export function usedMemory(client: Redis): Promise<number> {
  return infoNumber(client, 'memory', 'used_memory');
}

/** CPU seconds the server has used (user + system), for CPU-per-operation figures. */
export async function serverCpuSeconds(client: Redis): Promise<number> {
  const [user, system] = await Promise.all([
    infoNumber(client, 'cpu', 'used_cpu_user'),
    infoNumber(client, 'cpu', 'used_cpu_sys'),
  ]);
  return user + system;
}

/**
 * The exact footprint of the keys matching `pattern`: `MEMORY USAGE … SAMPLES 0` summed, in
 * total and per group of keys (a key's last segment, with numeric job ids folded into `<id>`).
 */
export async function keysFootprint(
  client: Redis,
  pattern: string,
): Promise<{ keys: number; bytes: number; groups: Record<string, number> }> {
  const keys = await scanKeys(client, pattern);
  const groups: Record<string, number> = {};
  let bytes = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const slice = keys.slice(i, i + 1000);
    const pipeline = client.pipeline();
    for (const key of slice) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, value], index) => {
      if (error) throw error;
      const size = Number(value ?? 0);
      const group = groupOf(slice[index] ?? '');
      groups[group] = (groups[group] ?? 0) + size;
      bytes += size;
    });
  }
  return { keys: keys.length, bytes, groups };
}

function groupOf(key: string): string {
  const last = key.slice(key.lastIndexOf(':') + 1);
  return /^\d+$/.test(last) ? '<id>' : last;
}
