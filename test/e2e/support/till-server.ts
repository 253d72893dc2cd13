/**
 * A real sync server on a fresh SQLite file, seeded with the demo store, serving the till's
 * production build: what a store's back office runs, on a random loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { buildApp } from '../../../sync-server/src/app.ts';
import { openDb } from '../../../sync-server/src/db/connect.ts';
import { ensureDemoClients, seedDemoData, type DemoCredentials } from '../../../sync-server/src/demo/seed.ts';

const TILL_DIR = join(process.cwd(), 'renderer', 'dist');
let built: Promise<unknown> | undefined;

/** Builds the renderer once per test process. */
export function buildTill(): Promise<unknown> {
  built ??= build({ configFile: join(process.cwd(), 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  return built;
}

export interface TillServer {
  readonly url: string;
  readonly creds: DemoCredentials;
  /** Stops serving (the till sees the server gone); the database stays. */
  stop(): Promise<void>;
  /** Serves again on the same port and database, like a restarted back-office server. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTillServer(): Promise<TillServer> {
  await buildTill();
  const dir = mkdtempSync(join(tmpdir(), 'pos-e2e-'));
  const db = openDb(`sqlite:${join(dir, 'pos.db')}`);
  const credsFile = join(dir, 'creds.json');
  let creds = await ensureDemoClients(db, credsFile);
  // Bind first to learn the port: the token audience must name the real origin.
  const probe = await buildApp({ db, publicUrl: 'http://127.0.0.1', revocationRefreshMs: 0 });
  await probe.app.listen({ port: 0, host: '127.0.0.1' });
  const address = probe.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await probe.app.close();
  const url = `http://127.0.0.1:${port}`;
  const serve = async () => {
    const { app } = await buildApp({ db, publicUrl: url, revocationRefreshMs: 0, tillDir: TILL_DIR, syncPollMs: 100 });
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };
  let app: Awaited<ReturnType<typeof serve>> | null = await serve();
  creds = await seedDemoData(url, credsFile, creds);
  return {
    url,
    creds,
    async stop() {
      await app?.close();
      app = null;
    },
    async restart() {
      app ??= await serve();
    },
    async close() {
      await app?.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
