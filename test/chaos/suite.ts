/**
 * Runs chaos trials on one database, sharing what is dear to set up: one server for all of them
 * (restarted only by the trials that kill it), one account with its catalog and offers seeded
 * once, and three tills (child processes) whose replicas stay warm from trial to trial; each trial
 * has a store, members and gift cards of its own (trial.ts). Seeds firstSeed, firstSeed+1, …;
 * stops at the first failure and says how to replay it.
 */
import { startChaosServer, type ChaosDbName } from './harness.ts';
import { seedRun } from './seed.ts';
import { runTrial, type TrialResult } from './trial.ts';
import { TillThread } from './till-thread.ts';

const TILLS = 3;
const ACCOUNT_ID = 'T10000000';

/**
 * Trials a till's replica serves before the till is replaced by a fresh one (full initial sync).
 * fake-indexeddb's cursors slow down as a store grows (index walks re-search the tree at every
 * step; most of a till's CPU after ~100 trials), which a browser's IndexedDB does not: without
 * this, trials get dearer the longer a run is.
 */
const TRIALS_PER_REPLICA = 25;

export interface ChaosSummary {
  readonly db: ChaosDbName;
  readonly ran: number;
  readonly ms: number;
  readonly failure: TrialResult | null;
  /** Totals of the trials' stats (what the run exercised). */
  readonly totals: Record<string, number>;
}

export const replayCommand = (seed: number, db: ChaosDbName): string => `npm run chaos -- --seed ${seed} --trials 1 --db ${db}`;

export function describeFailure(r: TrialResult, db: ChaosDbName): string {
  return [
    `chaos trial failed: seed=${r.seed} db=${db}`,
    `replay: ${replayCommand(r.seed, db)}`,
    'found:',
    ...r.problems.map((p) => `  - ${p}`),
    'what happened:',
    ...r.events.map((e) => `  ${e}`),
  ].join('\n');
}

export async function runChaos(opts: {
  db: ChaosDbName;
  trials: number;
  firstSeed: number;
  log?: ((line: string) => void) | undefined;
  progress?: ((line: string) => void) | undefined;
}): Promise<ChaosSummary> {
  const started = Date.now();
  const serverLog: string[] = [];
  const server = await startChaosServer(opts.db, { log: (l) => serverLog.push(l) });
  const totals: Record<string, number> = {};
  let ran = 0;
  const trialMs: number[] = [];
  let failure: TrialResult | null = null;
  const threads = Array.from({ length: TILLS }, () => new TillThread({ host: server.host, port: server.port }));
  try {
    const run = await seedRun(server, ACCOUNT_ID, { tills: TILLS });
    const openTills = async (generation: number): Promise<void> => {
      await Promise.all(
        threads.map(async (t, i) => {
          const client = run.tills[i];
          if (client === undefined) throw new Error('a till without an API client');
          await t.open({ name: `chaos-till-${i + 1}-r${generation}`, publicUrl: server.publicUrl, accountId: run.accountId, storeId: 'S-setup', client });
          await t.start();
          await t.initialSync(60_000);
        }),
      );
    };
    await openTills(0);
    opts.progress?.(`[${opts.db}] server, account and ${TILLS} tills ready in ${Date.now() - started} ms`);
    for (let i = 0; i < opts.trials; i++) {
      const seed = opts.firstSeed + i;
      if (i > 0 && i % TRIALS_PER_REPLICA === 0) {
        const replaced = Date.now();
        await server.ensureUp();
        for (const t of threads) await t.close();
        await openTills(i / TRIALS_PER_REPLICA);
        opts.progress?.(`[${opts.db}] tills replaced by fresh ones in ${Date.now() - replaced} ms`);
      }
      const trialStarted = Date.now();
      // A trial that throws (a till process gone, a bound exceeded) fails with its seed like any other.
      const result = await runTrial(server, threads, seed, { run, storeId: `S${seed}`, log: opts.log }).catch(
        (e: unknown): TrialResult => ({ seed, ok: false, problems: [`the trial stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`], stats: {}, events: [], ms: Date.now() - trialStarted }),
      );
      ran++;
      trialMs.push(result.ms);
      for (const [k, v] of Object.entries(result.stats)) totals[k] = (totals[k] ?? 0) + v;
      opts.progress?.(`[${opts.db}] trial ${i + 1}/${opts.trials} seed=${seed} ${result.ok ? 'ok' : 'FAILED'} in ${result.ms} ms ${JSON.stringify(result.stats)}`);
      if (!result.ok) {
        failure = result;
        opts.progress?.(describeFailure(result, opts.db));
        if (serverLog.length > 0) opts.progress?.(`server stderr (last lines):\n${serverLog.slice(-20).join('\n')}`);
        break;
      }
    }
  } finally {
    for (const t of threads) await t.terminate();
    await server.close();
  }
  const ms = Date.now() - started;
  const median = [...trialMs].sort((a, b) => a - b)[Math.floor(trialMs.length / 2)] ?? 0;
  opts.progress?.(`[${opts.db}] ${ran} trial(s) in ${(ms / 1000).toFixed(1)} s (${ran === 0 ? 0 : Math.round(ms / ran)} ms per trial with setup, median trial ${median} ms); totals ${JSON.stringify(totals)}`);
  return { db: opts.db, ran, ms, failure, totals };
}
