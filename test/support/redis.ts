import type { Redis } from 'ioredis';

/** Keys matching `pattern`, read with SCAN (never KEYS, which blocks a shared server). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Deletes every key matching `pattern`. */
export async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  const keys = await scanKeys(client, pattern);
  for (let i = 0; i < keys.length; i += 1_000) await client.del(...keys.slice(i, i + 1_000));
}
