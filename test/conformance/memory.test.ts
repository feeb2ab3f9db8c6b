import { memoryStorage } from '../../src/storage/memory/memory-storage.js';
import { describeStorageConformance } from './storage-suite.js';

// The memory backend's store is the instance itself, so "reopening" returns the same one.
describeStorageConformance('memoryStorage', () => {
  const storage = memoryStorage();
  return Promise.resolve({
    storage,
    reopen: () => Promise.resolve(storage),
    cleanup: () => Promise.resolve(),
  });
});
