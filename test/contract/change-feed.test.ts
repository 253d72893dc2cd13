/**
 * The pull cursor never skips a change, even when PostgreSQL transactions commit in another order
 * than they took their sequence numbers.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql, type ControlledTransaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '@pos/core';
import type { Database } from '../../sync-server/src/db/schema.ts';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/** Feed order: (txid, seq). */
const notBefore = (a: Checkpoint, b: Checkpoint): boolean => a.txid > b.txid || (a.txid === b.txid && a.seq >= b.seq);

const taxRow = (accountId: string, taxId: string) => {
  const at = new Date().toISOString();
  return { id: randomUUID(), account_id: accountId, tax_id: taxId, tax_group: taxId, description: null, amount: null, percentage: 25, tax_code: null, created_at: at, created_by: 'test', updated_at: at, deleted_at: null, deleted_by: null };
};

describe.each(dbTargets())('change feed on $name', (target) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness(target, { poolSize: 12 });
    token = await h.tokenFor(['read:products']);
  });
  afterAll(() => h.close());

  const pull = async (after: Checkpoint | undefined) => {
    const q = after === undefined ? '' : `&txid=${after.txid}&seq=${after.seq}`;
    const res = await h.call('GET', `/sync/tax_groups/pull?limit=1000${q}`, { token });
    expect(res.statusCode).toBe(200);
    return res.json<{ documents: Array<{ tax_id: string }>; checkpoint: Checkpoint }>();
  };

  it('holds back a change committed before an older transaction that is still open', async () => {
    if (target.name !== 'postgres') {
      // SQLite has one writer: a second transaction cannot commit while the first is open.
      return;
    }
    const first = await pull(undefined);
    const a = await h.db.kysely.startTransaction().execute();
    await a.insertInto('tax_groups').values(taxRow(h.accountId, 'slow')).execute(); // takes the lower sequence number
    await h.db.kysely.insertInto('tax_groups').values(taxRow(h.accountId, 'fast')).execute(); // commits first
    const during = await pull(first.checkpoint);
    // A seq cursor would return "fast" now and step past "slow" for good.
    expect(during.documents.map((d) => d.tax_id)).toEqual([]);
    await a.commit().execute();
    const after = await pull(during.checkpoint);
    expect(after.documents.map((d) => d.tax_id).sort()).toEqual(['fast', 'slow']);
  });

  it('a reader pulling while many writers commit out of order ends up with every change', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `w-${i}`);
    const seen = new Set<string>();
    let checkpoint: Checkpoint | undefined;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const page = await pull(checkpoint);
        for (const d of page.documents) seen.add(d.tax_id);
        checkpoint = page.checkpoint;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Writers hold their transactions open for random times, so commit order differs from sequence order.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (const id of ids.filter((_, i) => i % 8 === w)) {
          await h.db.kysely.transaction().execute(async (trx) => {
            await trx.insertInto('tax_groups').values(taxRow(h.accountId, id)).execute();
            if (target.name === 'postgres') await sql`select pg_sleep(${Math.random() * 0.01})`.execute(trx);
          });
        }
      }),
    );
    writing = false;
    await reader;
    for (let page = await pull(checkpoint); page.documents.length > 0; page = await pull(checkpoint)) {
      for (const d of page.documents) seen.add(d.tax_id);
      checkpoint = page.checkpoint;
    }
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
  });

  /**
   * A till's pull loop: pages of `limit` until an empty one, from where the last page ended.
   * Checks on every page that the checkpoint never moves back; records every document it gets.
   */
  const reader = (limit: number) => {
    let checkpoint: Checkpoint | undefined;
    const seen: string[] = [];
    return {
      seen,
      async drain(): Promise<void> {
        for (;;) {
          const q = checkpoint === undefined ? '' : `&txid=${checkpoint.txid}&seq=${checkpoint.seq}`;
          const res = await h.call('GET', `/sync/tax_groups/pull?limit=${limit}${q}`, { token });
          expect(res.statusCode).toBe(200);
          const page = res.json<{ documents: Array<{ tax_id: string }>; checkpoint: Checkpoint }>();
          if (checkpoint !== undefined) expect(notBefore(page.checkpoint, checkpoint), `checkpoint ${JSON.stringify(page.checkpoint)} after ${JSON.stringify(checkpoint)}`).toBe(true);
          checkpoint = page.checkpoint;
          seen.push(...page.documents.map((d) => d.tax_id));
          if (page.documents.length === 0) return;
        }
      },
    };
  };

  it('never skips a row when open transactions commit in the reverse of the order they took sequence numbers', async () => {
    if (target.name !== 'postgres') {
      // SQLite has one writer: a second transaction cannot even start writing while the first is open.
      return;
    }
    const ids = Array.from({ length: 5 }, (_, i) => `rev-${i}`);
    const mine = (r: { seen: string[] }) => r.seen.filter((id) => id.startsWith('rev-'));
    const stepwise = reader(2);
    await stepwise.drain();
    // A second reader pulls in a loop the whole time, unaware of the commits.
    const looping = reader(3);
    await looping.drain();
    let writing = true;
    const loop = (async () => {
      while (writing) await looping.drain();
    })();
    const open: Array<ControlledTransaction<Database>> = [];
    try {
      // Writer i takes the i-th transaction id and sequence number ...
      for (const id of ids) {
        const trx = await h.db.kysely.startTransaction().execute();
        open.push(trx);
        await trx.insertInto('tax_groups').values(taxRow(h.accountId, id)).execute();
      }
      // ... and they commit last first, with a pull after each commit.
      for (let i = ids.length - 1; i >= 0; i -= 1) {
        await open[i]?.commit().execute();
        await stepwise.drain();
        // Until the oldest commits, every newer row is held back: a sequence cursor would have passed
        // the oldest's row by for good here.
        expect(mine(stepwise).sort()).toEqual(i === 0 ? ids : []);
      }
      open.length = 0;
    } finally {
      for (const trx of open) await trx.rollback().execute().catch(() => undefined);
      writing = false;
      await loop;
    }
    await looping.drain();
    expect(mine(looping).sort()).toEqual(ids);
  });

  it('property: whatever the interleaving of writes, commits, rollbacks and pulls, a reader gets every committed row exactly once', async () => {
    if (target.name !== 'postgres') {
      // SQLite has one writer: transactions cannot interleave.
      return;
    }
    let run = 0;
    const Step = fc.oneof(fc.record({ kind: fc.constant('step' as const), writer: fc.nat({ max: 9 }) }), fc.record({ kind: fc.constant('pull' as const) }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ rows: fc.integer({ min: 1, max: 3 }), commit: fc.boolean() }), { minLength: 2, maxLength: 5 }),
        fc.array(Step, { maxLength: 30 }),
        async (writers, schedule) => {
          run += 1;
          const prefix = `prop-${run}-`;
          const r = reader(2);
          await r.drain();
          const state = writers.map(() => ({ trx: undefined as ControlledTransaction<Database> | undefined, written: 0, ended: false }));
          const committed: string[] = [];
          // One step of writer w: begin, write its next row, or end (commit or roll back) once all are written.
          const step = async (w: number): Promise<void> => {
            const plan = writers[w];
            const s = state[w];
            if (plan === undefined || s === undefined || s.ended) return;
            s.trx ??= await h.db.kysely.startTransaction().execute();
            if (s.written < plan.rows) {
              await s.trx.insertInto('tax_groups').values(taxRow(h.accountId, `${prefix}${w}-${s.written}`)).execute();
              s.written += 1;
              return;
            }
            s.ended = true;
            if (plan.commit) {
              await s.trx.commit().execute();
              committed.push(...Array.from({ length: plan.rows }, (_, i) => `${prefix}${w}-${i}`));
            } else {
              await s.trx.rollback().execute();
            }
          };
          try {
            for (const st of schedule) {
              if (st.kind === 'pull') await r.drain();
              else await step(st.writer % writers.length);
            }
            // Whoever is still open finishes, the youngest first: commits out of order once more.
            for (let w = writers.length - 1; w >= 0; w -= 1) {
              while (state[w]?.ended === false) await step(w);
              await r.drain();
            }
          } finally {
            for (const s of state) if (!s.ended) await s.trx?.rollback().execute().catch(() => undefined);
          }
          await r.drain();
          const got = r.seen.filter((id) => id.startsWith(prefix));
          expect(got.sort()).toEqual(committed.sort());
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
