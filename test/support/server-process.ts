/**
 * The sync server as its own operating-system process (`sync-server/src/server.ts` under tsx),
 * configured through the environment like a deployment: load tests (the load generator does not
 * share its event loop) and multi-process suites (several nodes on one database, a node killed
 * with SIGKILL and started again on its port).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  /** SIGTERM: the server's graceful shutdown. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; nothing of the server's own shutdown runs. */
  kill(): Promise<void>;
}

export interface ServerProcessOptions {
  /** A fixed port (to start a node again where its clients look for it); a free one by default. */
  port?: number;
  /** Extra environment, e.g. `SYNC_POLL_MS`. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** How long to wait for `/health` (ms). */
  startTimeoutMs?: number;
}

export async function startServerProcess(databaseUrl: string, opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'sync-server/src/server.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', NODE_ENV: 'production', PUBLIC_URL: url, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await end('SIGKILL');
      throw new Error(`sync server did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
