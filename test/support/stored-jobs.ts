import type { SetAsideJob, StoredJob, StorageWrite } from '../../src/storage/storage.js';

/** The instant stored jobs are due at unless a test says otherwise. */
export const BASE_TIME = Date.UTC(2026, 0, 1);

/**
 * A StoredJob with defaults for every field but the id, as storage tests write them.
 *
 * @example
 * storedJob('a', { status: 'running' });
 */
export function storedJob(
  id: string,
  fields: Partial<Omit<StoredJob, 'id'>> = {},
  dueAt = BASE_TIME,
): StoredJob {
  return {
    id,
    name: fields.name ?? 'mail:send',
    status: fields.status ?? 'scheduled',
    dueAt: fields.dueAt ?? dueAt,
    data: fields.data ?? bytesOf(`snapshot of ${id}`),
  };
}

export function put(stored: StoredJob): StorageWrite {
  return { type: 'put', job: stored };
}

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Jobs as comparable values, data as hex, sorted by id: load() promises no order. */
export function plain(jobs: Iterable<StoredJob>) {
  return [...jobs].map(plainJob).sort(byId);
}

/** Set-aside entries as comparable values, sorted by job id. */
export function plainSetAside(entries: readonly SetAsideJob[]) {
  return entries
    .map(({ job: stored, reason, at }) => ({ ...plainJob(stored), reason, at }))
    .sort(byId);
}

function plainJob({ id, name, status, dueAt, data }: StoredJob) {
  return { id, name, status, dueAt, data: Buffer.from(data).toString('hex') };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
