import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorage } from '../../src/storage/file/file-storage.js';
import { describeStorageConformance } from './storage-suite.js';

// Each case gets its own temp dir; reopening is a new fileStorage on the same path, which
// only works once the previous instance released its lock. One file is one app: no
// namespaces, so the suite skips that case.
describeStorageConformance('fileStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jobify-conformance-'));
  const path = join(dir, 'jobs.db');
  return {
    storage: fileStorage(path),
    reopen: () => Promise.resolve(fileStorage(path)),
    async cleanup() {
      // Every instance was closed: no lock file may be left behind.
      const left = await readdir(dir);
      await rm(dir, { recursive: true, force: true });
      if (left.some((name) => name.endsWith('.lock'))) throw new Error(`lock left in ${dir}`);
    },
  };
});
