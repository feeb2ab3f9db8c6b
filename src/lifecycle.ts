import type { Logger } from 'pino';
import { Engine } from './actors/app-supervisor.js';
import type { Jobify } from './app.js';
import { toError } from './errors.js';
import { Router, type RouterBase } from './routing/router.js';
import type { Storage } from './storage/storage.js';

type Cleanup = () => void | Promise<void>;

/** Stands in for storage when the app was made with `storage: false`. */
const nothingStored: Storage = {
  open: () => Promise.resolve(),
  close: () => Promise.resolve(),
  load: () => Promise.resolve([]),
  write: () => Promise.resolve(),
  setAside: () => Promise.resolve(),
  listSetAside: () => Promise.resolve([]),
};

/**
 * The start sequence. Each step that acquires something pushes its release onto
 * `cleanups`, so a failure half-way releases exactly what was acquired. The engine is
 * handed out (`onEngine`) before lifespans run, so they can schedule jobs; time starts
 * only at the end, so nothing runs before every lifespan is ready.
 */
export async function runStart(
  app: Jobify,
  cleanups: Cleanup[],
  onEngine: (engine: Engine) => void,
): Promise<Engine> {
  const { config } = app;
  const storage = config.storage === false ? nothingStored : config.storage;
  await storage.open({ namespace: config.namespace, logger: config.logger });
  cleanups.push(() => storage.close());
  for (const plugin of config.plugins) {
    await plugin.start?.(app);
    if (plugin.stop) cleanups.push(() => plugin.stop?.(app));
  }
  const engine = new Engine({
    app,
    routers: app.routerTree(),
    tasks: app.registry,
    storage,
    persists: config.storage !== false,
    serializer: config.serializer,
    clock: config.clock,
    logger: config.logger,
    bus: app.bus,
    tz: config.tz,
    idGenerator: config.idGenerator,
    inspect: config.inspect,
  });
  onEngine(engine);
  await engine.restore();
  for (const router of app.routerTree()) {
    const cleanup = await runLifespan(app, router);
    if (typeof cleanup === 'function') cleanups.push(cleanup);
  }
  await engine.declareCrons();
  engine.startClock();
  return engine;
}

function runLifespan(app: Jobify, router: RouterBase) {
  if (router === app) return app.config.lifespan?.(app);
  return router instanceof Router ? router.lifespan?.(router) : undefined;
}

/**
 * The stop sequence: the engine first (so no job runs while its resources go away), then
 * every cleanup in reverse order of acquisition. A failing cleanup is logged and the rest
 * still run.
 */
export async function runStop(
  engine: Engine | undefined,
  cleanups: readonly Cleanup[],
  logger: Logger,
): Promise<void> {
  if (engine) await engine.stop();
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (error) {
      logger.error({ err: toError(error) }, 'cleanup failed while stopping');
    }
  }
}
