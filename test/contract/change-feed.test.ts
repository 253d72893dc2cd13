/**
 * The pull cursor never skips a change, even when PostgreSQL transactions commit in another order
 * than they took their sequence numbers.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '@pos/core';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

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
});
