import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StorageError, toError } from '../../errors.js';

/**
 * Connects a client that the storage owns. The first connection must succeed, so a wrong
 * URL or a Redis that is down fails `start()` at once. After that the client waits through
 * outages (`maxRetriesPerRequest: null`, offline queue on): commands queue and run when
 * Redis is back, which is what the write batcher would do anyway by retrying.
 *
 * @example
 * const client = await connectRedis('redis://127.0.0.1:6379', logger);
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  let lastError: Error | undefined;
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  // Without a listener ioredis prints every failed reconnect to the console.
  client.on('error', (error: Error) => {
    lastError = error;
    logger.warn({ err: error }, 'redis connection error');
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    // connect() only says "Connection is closed"; the error event said why.
    const cause = lastError ?? toError(error);
    throw new StorageError(`Cannot connect to Redis at ${redactUrl(url)}: ${cause.message}`, {
      cause,
    });
  }
}

/**
 * Ends a client the storage owns: QUIT when connected (pending replies arrive first),
 * otherwise a plain disconnect, since QUIT would wait for a reconnect nobody wants now.
 *
 * @example
 * await quitRedis(client);
 */
export async function quitRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * The URL with its password masked, for error messages and logs.
 *
 * @example
 * redactUrl('redis://:secret@host:6379'); // 'redis://:***@host:6379'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
