import { createRxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { openPosDatabase } from './database.ts';
import { saleSchema } from './schemas.ts';

describe('the till replica', () => {
  it('opens a replica written by the previous build, keeping its unsent sales', async () => {
    const storage = getRxStorageMemory();
    const name = `upgrade-${Date.now()}`;
    // The sales collection as the build before this one created it (schema version 0).
    const old = await createRxDatabase({ name, storage, multiInstance: false });
    const { upload_error: _dropped, ...v0Properties } = saleSchema.properties;
    await old.addCollections({ sales: { schema: { ...saleSchema, version: 0, properties: v0Properties } } });
    await old.collections['sales']?.insert({ id: 'old-sale', completed_at: '2026-11-24T10:00:00.000Z', currency: 'NOK', gross_amount: 2490, sale: { sale_id: 'old-sale' }, uploaded: false });
    await old.close();

    const db = await openPosDatabase(name, storage);
    const pending = await db.sales.find({ selector: { uploaded: false } }).exec();
    expect(pending.map((d) => [d.id, d.gross_amount, d.upload_error])).toEqual([['old-sale', 2490, undefined]]);
    await db.sales.insert({ id: 'new-sale', completed_at: '2026-11-24T10:01:00.000Z', currency: 'NOK', gross_amount: 100, sale: {}, uploaded: false, upload_error: 'refused' });
    expect(await db.customers.count().exec()).toBe(0);
    await db.remove();
  });
});
