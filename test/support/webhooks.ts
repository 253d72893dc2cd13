/**
 * Helpers for the Webhooks suites: a sync server that may call receivers on loopback with a fast
 * retry schedule, real HTTP receivers on 127.0.0.1 that record the raw bytes they get, a child
 * server process that can be killed with SIGKILL, and a wait-until helper (no timing assertions:
 * it only bounds how long a test waits for something that must happen).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Db } from '../../sync-server/src/db/connect.ts';
import type { DeliveryOptions } from '../../sync-server/src/services/webhooks/dispatcher.ts';
import { freePort } from '../bench/server-process.ts';
import type { DbTarget } from './databases.ts';
import { startHarness } from './harness.ts';

/** Fast enough for tests, slow enough that attempts stay distinct. */
export const FAST_DELIVERY: Partial<DeliveryOptions> = { pollMs: 20, retryBaseMs: 50, retryFactor: 2, maxAttempts: 5, timeoutMs: 2000 };

export interface HookHarness {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly dbUrl: string;
  /** A fresh account with a client holding these scopes; returns a caller bound to it. */
  account(scopes?: string[]): Promise<Account>;
  close(): Promise<void>;
}

export interface Account {
  readonly aid: string;
  readonly token: string;
  tokenFor(scopes: string[]): Promise<string>;
  call(method: InjectOptions['method'], path: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
}

let accounts = 0;

export async function startHookHarness(target: DbTarget, o: { allowLoopbackHooks?: boolean; delivery?: Partial<DeliveryOptions> } = {}): Promise<HookHarness> {
  const h = await startHarness(target, { app: { allowLoopbackHooks: o.allowLoopbackHooks ?? true, hookDelivery: { ...FAST_DELIVERY, ...o.delivery } } });
  return {
    app: h.app,
    db: h.db,
    dbUrl: h.dbUrl,
    async account(scopes = ['admin:hooks', 'admin:wallets']) {
      accounts += 1;
      const aid = `T7${String(accounts).padStart(7, '0')}`;
      await h.createAccount(aid);
      const token = await h.tokenFor(scopes, aid);
      return {
        aid,
        token,
        tokenFor: (s) => h.tokenFor(s, aid),
        call: (method, path, body, t = token) => h.call(method, `/v1/accounts/${aid}${path}`, { token: t, body }),
      };
    },
    close: () => h.close(),
  };
}

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The bytes as they arrived (what the signature covers). */
  readonly raw: Buffer;
  readonly body: Record<string, unknown>;
  readonly event: string;
  readonly eventDelivery: string;
  /** What the receiver answered (0 while it hangs). */
  status: number;
}

export type Answer = number | 'hang' | { status: number; headers: Record<string, string> };

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** How to answer the next requests. */
  answer: (r: Received) => Answer;
  /** Requests of `event`; with `ok`, only those answered 2xx. */
  of(event: string, ok?: boolean): Received[];
  /** Answers every hanging request with `status`. */
  release(status: number): void;
  close(): Promise<void>;
}

const header = (h: IncomingHttpHeaders, name: string): string => {
  const v = h[name];
  return typeof v === 'string' ? v : '';
};

/** A real HTTP receiver on 127.0.0.1 (answers 200 unless told otherwise). */
export async function startReceiver(): Promise<Receiver> {
  const hanging: Array<{ res: ServerResponse; rec: Received }> = [];
  const received: Received[] = [];
  let answer: (r: Received) => Answer = () => 200;
  const release = (status: number): void => {
    for (const h of hanging.splice(0)) {
      h.rec.status = status;
      h.res.writeHead(status).end();
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        const v: unknown = JSON.parse(raw.toString('utf8'));
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) body = Object.fromEntries(Object.entries(v));
      } catch {
        // recorded as is: the test sees an empty body
      }
      const rec: Received = { path: req.url ?? '', headers: req.headers, raw, body, event: header(req.headers, 'event'), eventDelivery: header(req.headers, 'event-delivery'), status: 0 };
      received.push(rec);
      const a = answer(rec);
      if (a === 'hang') {
        hanging.push({ res, rec });
        return;
      }
      const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a;
      rec.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(status < 300 ? 'ok' : `answered ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('receiver has no port');
  return {
    url: `http://127.0.0.1:${addr.port}/hooks`,
    received,
    get answer() {
      return answer;
    },
    set answer(fn) {
      answer = fn;
    },
    of: (event, ok = false) => received.filter((x) => x.event === event && (!ok || (x.status >= 200 && x.status < 300))),
    release,
    close: () => new Promise<void>((resolve) => {
      release(503);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** What a receiver computes to check `event-signature`: hex HMAC-SHA1 of the raw bytes. */
export const signatureOf = (secret: string, raw: Buffer): string => createHmac('sha1', secret).update(raw).digest('hex');

/** Polls until `check` returns a value other than undefined/false; fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

export interface ChildServer {
  readonly url: string;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** The sync server as its own process (`npm run server`), in development mode so it may call loopback receivers. */
export async function startChildServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/server.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', NODE_ENV: 'development', PUBLIC_URL: url, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sync server did not start on ${url}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    url,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
