/**
 * A Node till (test/support/node-till.ts) in a child process of its own, driven from the trial's
 * process. One till per process because RxDB's open-source build allows 13 open collections per
 * process (a till has 9). The process hosts the till's fake-indexeddb, which outlives the till's
 * kills and restarts as a browser's IndexedDB outlives a crash. One till lives through the whole
 * run (its replica stays warm); each trial moves it to the trial's store. (Worker threads would
 * be lighter, but tsx's loader does not reach a worker's entry module on Node 20.) The till's
 * network proxy lives in the trial's process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { NetworkProxy, type SaleOutcome, type SalePhase, type SalePlan } from '../support/node-till.ts';

export interface TillConfig {
  readonly name: string;
  readonly publicUrl: string;
  readonly accountId: string;
  readonly storeId: string;
  readonly client: { readonly client_id: string; readonly client_secret: string };
}

const DrainStateSchema = z.object({ unsentSales: z.number(), pending: z.number(), parked: z.number(), error: z.string().nullable() });
export type DrainState = z.infer<typeof DrainStateSchema>;
const StoredSalesSchema = z.array(z.object({ sale_id: z.string(), completed_at: z.string(), store_id: z.string().nullable() }));
const SaleOutcomeSchema = z.object({
  saleId: z.string(),
  done: z.boolean(),
  killed: z.boolean(),
  giftCard: z.object({ amount: z.number(), reference: z.string() }).nullable(),
  message: z.string().nullable(),
});

/** Requests to the worker; each is answered once with `{ id, ok, value | error }`. */
export type TillRequest =
  | { readonly id: number; readonly op: 'open'; readonly config: TillConfig; readonly url: string }
  | { readonly id: number; readonly op: 'start' }
  | { readonly id: number; readonly op: 'initialSync'; readonly timeoutMs: number }
  | { readonly id: number; readonly op: 'useStore'; readonly storeId: string; readonly timeoutMs: number }
  | { readonly id: number; readonly op: 'holds'; readonly customerTokens: readonly string[]; readonly cardIds: readonly string[] }
  | { readonly id: number; readonly op: 'flush' }
  | { readonly id: number; readonly op: 'cpuMs' }
  | { readonly id: number; readonly op: 'sell'; readonly plan: SalePlan; readonly phases: readonly SalePhase[] }
  | { readonly id: number; readonly op: 'kill' }
  | { readonly id: number; readonly op: 'drainState'; readonly since: string }
  | { readonly id: number; readonly op: 'storedSales'; readonly since: string }
  | { readonly id: number; readonly op: 'close' };

export type TillReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }
  /** The sale reached a phase the trial asked about; it waits for `{ phaseDone: id }` (except `committing`). */
  | { readonly phase: SalePhase; readonly call: number }
  | { readonly log: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type PhaseReply = { readonly phaseDone: number };

/** Extra node flags for the till processes, e.g. `CHAOS_TILL_NODE_ARGS=--cpu-prof` to see where a till spends its time. */
const nodeArgs = (): string[] => (process.env.CHAOS_TILL_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

export class TillThread {
  private readonly worker: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private onPhase: ((phase: SalePhase) => Promise<void>) | null = null;
  private proxy: NetworkProxy | null = null;
  private exited = false;
  name = '';
  alive = false;
  readonly logs: string[] = [];

  constructor(private readonly target: { host: string; port: number }) {
    this.worker = fork(fileURLToPath(new URL('./till-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx', ...nodeArgs()], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    this.worker.stderr?.on('data', (chunk: Buffer) => this.keep(`[stderr] ${chunk.toString().trimEnd()}`));
    this.worker.on('message', (m: TillReply) => this.receive(m));
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', () => {
      this.exited = true;
      this.failAll(new Error('the till thread exited'));
    });
  }

  get network(): NetworkProxy {
    if (this.proxy === null) throw new Error('the till has no network yet (open it first)');
    return this.proxy;
  }

  /** A till in this thread, with its own network and database, for the run. */
  async open(config: TillConfig): Promise<void> {
    this.proxy = new NetworkProxy(this.target);
    const url = await this.proxy.listen();
    this.name = config.name;
    await this.call({ op: 'open', config, url });
  }

  async start(): Promise<void> {
    await this.call({ op: 'start' });
    this.alive = true;
  }

  async initialSync(timeoutMs = 20_000): Promise<void> {
    await this.call({ op: 'initialSync', timeoutMs });
  }

  /** Moves the (running) till to a trial's store; resolves once it caught up and holds a lease there. */
  async useStore(storeId: string, timeoutMs = 20_000): Promise<void> {
    await this.call({ op: 'useStore', storeId, timeoutMs });
    this.alive = true;
  }

  /** Whether the till's replica holds these members and gift cards yet. */
  async holds(want: { readonly customerTokens: readonly string[]; readonly cardIds: readonly string[] }): Promise<boolean> {
    return z.boolean().parse(await this.call({ op: 'holds', ...want }));
  }

  /** CPU time the till's process has used so far, ms (what a trial costs, whatever the machine's load). */
  async cpuMs(): Promise<number> {
    return z.number().parse(await this.call({ op: 'cpuMs' }));
  }

  /** Sends what the outbox holds now, as the till does on reconnect and on its timer. */
  async flush(): Promise<void> {
    await this.call({ op: 'flush' });
  }

  /** Rings up a sale; `at` runs at each phase the worker reports (it may kill the till). */
  async sell(plan: SalePlan, phases: readonly SalePhase[], at: (phase: SalePhase) => Promise<void>): Promise<SaleOutcome> {
    this.onPhase = at;
    try {
      return SaleOutcomeSchema.parse(await this.call({ op: 'sell', plan, phases }));
    } finally {
      this.onPhase = null;
    }
  }

  /** Abrupt: the till's connections die with it and its database is closed under it. */
  async kill(): Promise<void> {
    this.alive = false;
    this.proxy?.dropAll();
    await this.call({ op: 'kill' });
  }

  /** What is still to go up (sales completed since `since`, ISO; the whole outbox). */
  async drainState(since: string): Promise<DrainState> {
    return DrainStateSchema.parse(await this.call({ op: 'drainState', since }));
  }

  /** Its sales completed at or after `since` (ISO). */
  async storedSales(since: string): Promise<z.infer<typeof StoredSalesSchema>> {
    return StoredSalesSchema.parse(await this.call({ op: 'storedSales', since }));
  }

  /** Stops the till in order and removes its data; the thread stays for the next one. */
  async close(): Promise<void> {
    this.alive = false;
    await this.call({ op: 'close' });
    await this.proxy?.close();
    this.proxy = null;
  }

  async terminate(): Promise<void> {
    await this.proxy?.close();
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Let go of it first (it exits when its channel closes, writing any profile); SIGKILL if it hangs.
    this.worker.disconnect();
    const timer = setTimeout(() => this.worker.kill('SIGKILL'), 3_000);
    await gone;
    clearTimeout(timer);
  }

  private call(req: DistributiveOmit<TillRequest, 'id'>): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('the till thread has exited'));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.send({ ...req, id });
    });
  }

  private receive(m: TillReply): void {
    if ('log' in m) {
      this.keep(m.log);
      return;
    }
    if ('phase' in m) {
      const at = this.onPhase;
      const reply = (): void => {
        this.worker.send({ phaseDone: m.call } satisfies PhaseReply);
      };
      if (at === null) reply();
      else void at(m.phase).then(reply, reply);
      return;
    }
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(m.error));
  }

  private keep(line: string): void {
    // The RxDB open-core notice is printed by every process; it says nothing about the trial.
    if (line.includes('RxDB') || line.includes('rxdb.info') || line.includes('premium')) return;
    this.logs.push(line);
    if (this.logs.length > 200) this.logs.shift();
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
