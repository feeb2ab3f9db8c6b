import { type Job, Queue, Worker } from 'bullmq';
import { bullConnection } from './systems.js';

/** A BullMQ queue with one worker on it, as the scenarios use them. */
export interface BullPair {
  readonly queue: Queue;
  readonly worker: Worker;
  /** Closes the worker, then the queue (reverse order of opening). */
  close(): Promise<void>;
}

/**
 * Opens a queue and a worker of `concurrency`, and waits until both are connected.
 *
 * @example
 * const bull = await openBull('q', async () => {}, 50);
 * await bull.queue.addBulk([{ name: 'noop', data: {} }]);
 * await bull.close();
 */
export async function openBull(
  name: string,
  processor: (job: Job) => Promise<unknown>,
  concurrency: number,
): Promise<BullPair> {
  const connection = bullConnection();
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, processor, { connection, concurrency });
  worker.on('error', (error) => process.stderr.write(`bullmq worker: ${error.message}\n`));
  await queue.waitUntilReady();
  await worker.waitUntilReady();
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

/** Adds jobs with `addBulk` in chunks of `chunk`, every chunk sent at once. */
export async function addInChunks(
  queue: Queue,
  count: number,
  chunk: number,
  job: (index: number) => {
    name: string;
    data: unknown;
    opts?: { delay?: number; timestamp?: number };
  },
): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let start = 0; start < count; start += chunk) {
    const jobs = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) jobs.push(job(i));
    sends.push(queue.addBulk(jobs));
  }
  await Promise.all(sends);
}
