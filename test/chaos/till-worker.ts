/**
 * The child-process side of till-thread.ts: hosts one NodeTill at a time and runs what the trial's
 * thread asks, reporting each sale phase the trial wants to act at and waiting for its go-ahead
 * (except `committing`, which the sale does not wait for: a kill there lands mid-commit).
 */
import { NodeTill, type SalePhase } from '../support/node-till.ts';
import type { PhaseReply, TillReply, TillRequest } from './till-thread.ts';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('till-worker.ts runs as a child process with an IPC channel (till-thread.ts)');

let till: NodeTill | null = null;
let nextPhase = 1;
const phaseWaiters = new Map<number, () => void>();

const post = (m: TillReply): void => {
  send(m);
};
const log = (line: string): void => post({ log: line });

// A killed till's leftovers (a write or a pull on a closed database) fail after the kill; a real
// process would not be there to see them. They are logged, not fatal.
// The trial's process gone (killed, crashed): this till has no one to answer to.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? e.message : String(e)}`));

function current(): NodeTill {
  if (till === null) throw new Error('no till is open in this thread');
  return till;
}

async function handle(req: TillRequest): Promise<unknown> {
  switch (req.op) {
    case 'open':
      till = new NodeTill({ name: req.config.name, server: { url: req.url, publicUrl: req.config.publicUrl }, accountId: req.config.accountId, storeId: req.config.storeId, client: req.config.client });
      return null;
    case 'start':
      await current().start();
      return null;
    case 'initialSync':
      await current().initialSync(req.timeoutMs);
      return null;
    case 'useStore':
      await current().useStore(req.storeId, req.timeoutMs);
      return null;
    case 'holds':
      return current().holds(req);
    case 'cpuMs': {
      const { user, system } = process.cpuUsage();
      return Math.round((user + system) / 1000);
    }
    case 'flush':
      await current().session.flush();
      return null;
    case 'sell': {
      const wanted = new Set<SalePhase>(req.phases);
      return current().sell(req.plan, async (phase) => {
        if (!wanted.has(phase)) return;
        const call = nextPhase++;
        const answered = new Promise<void>((resolve) => phaseWaiters.set(call, resolve));
        post({ phase, call });
        await answered;
      });
    }
    case 'kill':
      current().kill();
      return null;
    case 'drainState':
      return current().drainState(req.since);
    case 'storedSales':
      return current().storedSales(req.since);
    case 'close': {
      const t = current();
      till = null;
      await t.stop();
      await t.destroy();
      return null;
    }
  }
}

process.on('message', (m: TillRequest | PhaseReply) => {
  if ('phaseDone' in m) {
    phaseWaiters.get(m.phaseDone)?.();
    phaseWaiters.delete(m.phaseDone);
    return;
  }
  handle(m).then(
    (value) => post({ id: m.id, ok: true, value }),
    (e: unknown) => post({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
