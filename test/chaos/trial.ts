/**
 * One chaos trial: a store of its own with fresh members and gift cards in the run's account,
 * 2–3 of the run's Node tills (warm replicas, moved to the trial's store; the new members and cards
 * reach them by replication) selling 5–20 sales each at the same time (members with stamps, points
 * and a use-limited offer; part payment by gift card), and random events at random points of
 * those sales, all drawn from one seed:
 * - a till's network cut (open connections destroyed, new ones reset) and restored a few sales
 *   later or after at most 1.5 s, whichever comes first;
 * - a till killed while scanning, after a gift-card hold, while completing, or just after a sale
 *   while it uploads, and restarted from what it had stored;
 * - the server SIGKILLed and restarted a moment later while the tills sell on, in the trials whose
 *   seed is a multiple of SERVER_KILL_EVERY (so 200 consecutive seeds have 10 of them, and a
 *   replayed seed kills it again);
 * - the same gift card paid offline on two tills (in some trials), each within its allowance,
 *   together more than the card has.
 * Then everything is restored, every till's outbox must empty (bounded wait), and the invariants
 * (invariants.ts) are checked against the server's database.
 *
 * The seed fixes the plan (sales, events and where they land); the exact interleaving with real
 * sockets, processes and timers is not replayed, so a failure seen once may need a few replays.
 */
import type { ChaosServer } from './harness.ts';
import { checkInvariants, type InvariantReport, type StoredSale } from './invariants.ts';
import { mulberry32, type Rng } from './prng.ts';
import { seedTrial, type SeededRun, type SeededTrial } from './seed.ts';
import { sleep, type SalePhase, type SalePlan } from '../support/node-till.ts';
import type { TillThread } from './till-thread.ts';

/** Trials whose seed is a multiple of this kill the server (a restart is the dearest event). */
export const SERVER_KILL_EVERY = 20;

/**
 * How many sales each till rings up in a trial (fewest, most). The sales are most of a trial's
 * cost: ~50–70 ms of till CPU each (RxDB over fake-indexeddb, pricing, the checkout machine),
 * so ~1.5 s of CPU for an average trial, spread over 2–3 till processes.
 */
export const SALES_PER_TILL: readonly [number, number] = [5, 20];

export interface TrialOptions {
  /** The run's account (catalog, offers, till clients). */
  readonly run: SeededRun;
  /** A store id no other trial of the run uses. */
  readonly storeId: string;
  /** Bound on the final drain, and on the new members and cards reaching the tills, ms. */
  readonly drainTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface TrialResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly stats: Record<string, number>;
  /** What happened, in order (printed when the trial fails). */
  readonly events: readonly string[];
  readonly ms: number;
}

type EventKind = 'cut' | 'restore' | 'kill-till' | 'kill-server';
type Phase = SalePhase | 'after';

interface PlannedEvent {
  readonly kind: EventKind;
  readonly phase: Phase;
  /** Delay before acting, ms (lands the kill inside an upload or a commit). */
  readonly delayMs: number;
  /** A cut lasts at most this long (a sale waiting on the network would otherwise wait for a restore planned after it). */
  readonly maxMs?: number;
}

interface PlannedSale {
  sale: SalePlan;
  readonly events: PlannedEvent[];
}

const PHASES: readonly Phase[] = ['scanned', 'tendered', 'committing', 'after'];

function planSales(rng: Rng, account: SeededTrial & { readonly barcodes: readonly string[] }, count: number): PlannedSale[] {
  const sales: PlannedSale[] = [];
  for (let i = 0; i < count; i++) {
    const items = Array.from({ length: rng.int(1, 4) }, () => ({ barcode: rng.pick(account.barcodes), quantity: rng.int(1, 3) }));
    const member = rng.chance(0.45) ? rng.pick(account.members) : undefined;
    sales.push({
      sale: {
        items,
        customerToken: member?.token,
        usePoints: member !== undefined && rng.chance(0.35),
        giftCardToken: rng.chance(0.3) ? rng.pick(account.giftCards).token : undefined,
      },
      events: [],
    });
  }
  return sales;
}

/** Network cuts (each restored 0–3 sales later) and till kills, on one till's sales. */
function planTillEvents(rng: Rng, sales: PlannedSale[]): void {
  let cutUntil = -1;
  sales.forEach((s, i) => {
    if (i > cutUntil && rng.chance(0.15)) {
      s.events.push({ kind: 'cut', phase: rng.pick(PHASES), delayMs: rng.int(0, 10), maxMs: rng.int(100, 1_500) });
      cutUntil = Math.min(sales.length - 1, i + rng.int(0, 3));
      sales[cutUntil]?.events.push({ kind: 'restore', phase: 'after', delayMs: rng.int(0, 50) });
    }
    if (rng.chance(0.08)) s.events.push({ kind: 'kill-till', phase: rng.pick(PHASES), delayMs: rng.int(0, 12) });
  });
}

/** Runs one trial on `threads` (the run's tills, at least 3, running; the trial uses 2 or 3 of them). */
export async function runTrial(server: ChaosServer, threads: readonly TillThread[], seed: number, opts: TrialOptions): Promise<TrialResult> {
  const started = Date.now();
  const rng = mulberry32(seed);
  const events: string[] = [];
  const note = (line: string): void => {
    const stamped = `${String(Date.now() - started).padStart(6)} ms  ${line}`;
    events.push(stamped);
    opts.log?.(stamped);
  };
  const fail = (problems: string[], stats: Record<string, number> = {}): TrialResult => ({ seed, ok: false, problems, stats, events, ms: Date.now() - started });

  await server.ensureUp();
  const since = new Date(started).toISOString();
  const tillCount = rng.int(2, 3);
  const tills = threads.slice(0, tillCount);
  if (tills.length < tillCount) throw new Error(`a trial needs ${tillCount} till threads, it got ${threads.length}`);
  const cpuBefore = await Promise.all(tills.map((t) => t.cpuMs()));
  const bound = opts.drainTimeoutMs ?? 30_000;
  // The trial's members and cards are made while its tills move to its store (seedTrial draws
  // from the rng before its first call, so the plan below does not depend on which ends first).
  for (const t of tills) t.network.restore();
  const [trial] = await Promise.all([seedTrial(opts.run, opts.storeId, rng, { members: 3, giftCards: 2 }), ...tills.map((t) => t.useStore(opts.storeId, bound))]);
  const account = { ...trial, barcodes: opts.run.barcodes };
  const plans = tills.map(() => {
    const sales = planSales(rng, account, rng.int(...SALES_PER_TILL));
    planTillEvents(rng, sales);
    return sales;
  });
  // The same gift card paid offline on two tills: both cut off just before paying with it.
  if (rng.chance(0.35)) {
    const card = rng.pick(account.giftCards);
    for (const plan of plans.slice(0, 2)) {
      const planned = plan[rng.int(0, plan.length - 1)];
      if (planned === undefined) continue;
      planned.sale = { ...planned.sale, giftCardToken: card.token };
      planned.events.push({ kind: 'cut', phase: 'scanned', delayMs: 0, maxMs: 3_000 }, { kind: 'restore', phase: 'after', delayMs: 0 });
    }
  }
  if (seed % SERVER_KILL_EVERY === 0) {
    const till = rng.pick(plans);
    const at = rng.int(0, till.length - 1);
    till[at]?.events.push({ kind: 'kill-server', phase: rng.pick(PHASES), delayMs: rng.int(0, 10) });
  }
  const serverDowntimeMs = rng.int(0, 400);

  const done = new Set<string>();
  let serverBack: Promise<void> = Promise.resolve();
  // The trial's members and cards must reach each till by replication (bounded).
  const want = { customerTokens: trial.members.map((m) => m.token), cardIds: trial.giftCards.map((c) => c.card_id) };
  const syncDeadline = Date.now() + bound;
  for (const t of tills) {
    while (!(await t.holds(want))) {
      if (Date.now() > syncDeadline) return fail([`${t.name}: the trial's members and gift cards did not reach the till within ${bound} ms`]);
      await sleep(20);
    }
  }
  note(`${tills.length} tills on store ${opts.storeId} with its members and cards; ${plans.map((p) => p.length).join('+')} sales planned`);

  const act = async (till: TillThread, e: PlannedEvent, where: string): Promise<void> => {
    if (e.delayMs > 0) await sleep(e.delayMs);
    switch (e.kind) {
      case 'cut': {
        const network = till.network;
        network.cut();
        note(`${till.name}: network cut (${where})`);
        setTimeout(() => {
          if (network.isUp) return;
          network.restore();
          note(`${till.name}: network restored (after ${e.maxMs ?? 0} ms)`);
        }, e.maxMs ?? 0);
        return;
      }
      case 'restore':
        till.network.restore();
        note(`${till.name}: network restored (${where})`);
        return;
      case 'kill-till':
        note(`${till.name}: killed (${where})`);
        await till.kill();
        return;
      case 'kill-server':
        note(`server: SIGKILL (${where}); back in ${serverDowntimeMs} ms`);
        await server.kill();
        serverBack = sleep(serverDowntimeMs)
          .then(() => server.start())
          .then(() => note('server: restarted'));
        return;
    }
  };

  const runTill = async (till: TillThread, plan: PlannedSale[]): Promise<void> => {
    for (const [i, planned] of plan.entries()) {
      const eventsAt = (phase: Phase): PlannedEvent[] => planned.events.filter((e) => e.phase === phase);
      const hook = async (phase: SalePhase): Promise<void> => {
        for (const e of eventsAt(phase)) await act(till, e, `sale ${i + 1} ${phase}`);
      };
      const phases = [...new Set(planned.events.flatMap((e) => (e.phase === 'after' ? [] : [e.phase])))];
      const outcome = await till.sell(planned.sale, phases, hook);
      if (i === plan.length - 1) note(`${till.name}: last sale rung up`);
      if (outcome.done) done.add(outcome.saleId);
      if (outcome.killed) {
        note(`${till.name}: sale ${i + 1} ${outcome.done ? 'was done' : 'was not done'} when killed; restarting`);
        await till.start();
      }
      for (const e of eventsAt('after')) {
        await act(till, e, `after sale ${i + 1}`);
        if (!till.alive) await till.start();
      }
    }
  };
  const results = await Promise.allSettled(tills.map((t, i) => runTill(t, plans[i] ?? [])));
  const crashed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? (r.reason.stack ?? r.reason.message) : String(r.reason)] : []));
  if (crashed.length > 0) return fail(crashed.map((c) => `a till's sales failed: ${c}`));

  // Everything back: the network, the server; then every till must send all it has.
  for (const t of tills) t.network.restore();
  await serverBack;
  await server.ensureUp();
  note('everything restored; draining');
  const drainTimeout = bound;
  const deadline = Date.now() + drainTimeout;
  for (const till of tills) {
    for (let poll = 0; ; poll++) {
      // A nudge now and then, as the till's own reconnect and 5 s timer would give (its stream
      // may still be in reconnect backoff after a cut); what goes up and how is the till's own.
      if (poll % 10 === 0) await till.flush();
      const state = await till.drainState(since);
      if (state.unsentSales === 0 && state.pending === 0) break;
      if (state.parked > 0) return fail([`${till.name}: the server refused a record: ${state.error ?? '(no message)'}`]);
      if (Date.now() > deadline) return fail([`${till.name}: ${state.unsentSales} sale(s) / ${state.pending} outbox record(s) still not on the server ${drainTimeout} ms after everything was restored (${state.error ?? 'no error shown'})`]);
      await sleep(50);
    }
  }
  note('drained');
  const stored: StoredSale[] = [];
  for (const till of tills) {
    for (const d of await till.storedSales(since)) stored.push({ till: till.name, sale_id: d.sale_id, completed_at: d.completed_at });
  }
  const cpuAfter = await Promise.all(tills.map((t) => t.cpuMs()));
  const tillCpuMs = cpuAfter.reduce((sum, ms, i) => sum + ms - (cpuBefore[i] ?? ms), 0);
  const report: InvariantReport = await checkInvariants(server.db, { accountId: opts.run.accountId, storeId: opts.storeId, cardIds: trial.giftCards.map((c) => c.card_id), done, stored });
  return { seed, ok: report.problems.length === 0, problems: report.problems, stats: { tills: tills.length, tillCpuMs, ...report.stats }, events, ms: Date.now() - started };
}
