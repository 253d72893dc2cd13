/**
 * Group commit for SQLite. SQLite has one writer, so concurrent write transactions wait for each
 * other anyway; committing them one by one spends most of the time writing the WAL. The batcher
 * runs whatever is queued in one transaction, each job inside its own savepoint (a failed job
 * rolls back only itself), and settles every job only after the commit: nothing is acknowledged
 * before it is durable.
 */
import { sql, type Kysely, type Transaction } from 'kysely';

type Outcome = { ok: true } | { ok: false; error: unknown };

interface Job<DB> {
  run(trx: Transaction<DB>): Promise<void>;
  settle(outcome: Outcome): void;
}

export interface GroupCommit<DB> {
  run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
}

export function createGroupCommit<DB>(db: Kysely<DB>, maxBatch = 256): GroupCommit<DB> {
  const queue: Array<Job<DB>> = [];
  let draining = false;

  async function runBatch(batch: ReadonlyArray<Job<DB>>): Promise<Outcome[]> {
    return db.transaction().execute(async (trx) => {
      const outcomes: Outcome[] = [];
      for (const job of batch) {
        await sql`savepoint job`.execute(trx);
        try {
          await job.run(trx);
          await sql`release savepoint job`.execute(trx);
          outcomes.push({ ok: true });
        } catch (error) {
          await sql`rollback to savepoint job`.execute(trx);
          await sql`release savepoint job`.execute(trx);
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        // better-sqlite3 answers synchronously, so a batch would run to its commit within one
        // turn of the event loop. Yielding once lets requests already received join the batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = queue.splice(0, maxBatch);
        let outcomes: Outcome[];
        try {
          outcomes = await runBatch(batch);
        } catch (error) {
          // The commit itself failed: nothing of the batch was stored.
          outcomes = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((job, i) => job.settle(outcomes[i] ?? { ok: false, error: new Error('job lost its outcome') }));
      }
    } finally {
      draining = false;
    }
  }

  return {
    run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let result: { value: T } | undefined;
        queue.push({
          run: async (trx) => {
            result = { value: await fn(trx) };
          },
          settle: (o) => {
            if (!o.ok) reject(o.error);
            else if (result === undefined) reject(new Error('group commit: job finished without a result'));
            else resolve(result.value);
          },
        });
        if (!draining) void drain();
      });
    },
  };
}
