/** `npm run server`: the sync server alone, configured from the environment (see README). */
import { pathToFileURL } from 'node:url';
import { buildApp } from './app.ts';
import { configFromEnv } from './config.ts';
import { openDb } from './db/connect.ts';

export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; close: () => Promise<void> }> {
  const config = configFromEnv(env);
  const db = openDb(config.DATABASE_URL);
  const publicUrl = config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  const { app } = await buildApp({
    db, publicUrl, logger: { level: config.LOG_LEVEL }, tillDir: config.TILL_DIR, syncPollMs: config.SYNC_POLL_MS,
    // Development mode lets webhooks reach a receiver on this machine; anything else requires public URLs.
    allowLoopbackHooks: config.NODE_ENV === 'development',
    hookDelivery: {
      ...(config.HOOK_RETRY_BASE_MS === undefined ? {} : { retryBaseMs: config.HOOK_RETRY_BASE_MS }),
      ...(config.HOOK_TIMEOUT_MS === undefined ? {} : { timeoutMs: config.HOOK_TIMEOUT_MS }),
    },
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info(`sync server ready on ${publicUrl} (database ${db.describe})`);
  return {
    url: publicUrl,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  startServer()
    .then(({ close }) => {
      const stop = (): void => {
        close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
