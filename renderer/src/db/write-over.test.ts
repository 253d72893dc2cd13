import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPosDatabase, type PosDatabase } from './database.ts';
import { writeOver } from './write-over.ts';

let n = 0;
const record = (id: string) => ({ id, kind: 'receipt' as const, order_key: `000|${id}`, created_at: '2026-11-24T10:00:00.000Z', payload: {}, state: 'pending' as const, attempts: 0 });

describe('writing over documents read earlier', () => {
  let db: PosDatabase;
  beforeEach(async () => {
    n += 1;
    db = await openPosDatabase(`write-over-${n}-${Date.now()}`, getRxStorageMemory());
  });
  afterEach(async () => {
    await db.close();
  });

  it('writes every document in one go and live queries see it', async () => {
    await db.outbox.bulkInsert([record('receipt:a'), record('receipt:b'), record('receipt:c')]);
    const seen: number[] = [];
    const sub = db.outbox.count({ selector: { state: 'sent' } }).$.subscribe((c) => seen.push(c));
    const read = [...(await db.outbox.findByIds(['receipt:a', 'receipt:b']).exec()).values()].map((d) => d.toMutableJSON(true));
    await writeOver(db.outbox, read, (d) => ({ ...d, state: 'sent' as const, attempts: d.attempts + 1 }));
    await expect.poll(() => seen.at(-1)).toBe(2);
    sub.unsubscribe();
    expect((await db.outbox.findOne('receipt:c').exec())?.state).toBe('pending');
  });

  it('applies the change to the stored state when a document changed since it was read', async () => {
    await db.outbox.insert(record('receipt:a'));
    const stale = (await db.outbox.findOne('receipt:a').exec())?.toMutableJSON(true);
    if (stale === undefined) throw new Error('not stored');
    // Someone else writes in between: their change must survive ours.
    await (await db.outbox.findOne('receipt:a').exec())?.incrementalPatch({ error: 'refused once' });
    await writeOver(db.outbox, [stale], (d) => ({ ...d, attempts: d.attempts + 1 }));
    const now = (await db.outbox.findOne('receipt:a').exec())?.toMutableJSON();
    expect(now).toMatchObject({ attempts: 1, error: 'refused once' });
  });
});
