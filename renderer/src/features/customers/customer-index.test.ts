import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPosDatabase, type PosDatabase } from '../../db/database.ts';
import { storedCustomer } from '../../db/schemas.ts';
import { normalisePhone, watchCustomerIndex, type CustomerIndex } from './customer-index.ts';

let n = 0;

describe('finding customers on the till', () => {
  let db: PosDatabase;
  let index: CustomerIndex | undefined;
  beforeEach(async () => {
    n += 1;
    db = await openPosDatabase(`customers-${n}-${Date.now()}`, getRxStorageMemory());
  });
  afterEach(async () => {
    index?.close();
    await db.close();
  });

  /** A customer as replication stores it. */
  const customer = (id: string, fields: { first_name?: string; last_name?: string; phone_number?: string; tokens?: { token_id?: string; type: string; value: string }[] }) => {
    const { _deleted, ...doc } = storedCustomer({ id: `pk-${id}`, updated_at: '2026-11-24T10:00:00Z', _deleted: false, customer_id: id, type: 'customer', tokens: [], ...fields });
    return doc;
  };

  it('finds a customer by a scanned card or app code, offline, and follows the replica as tokens come and go', async () => {
    await db.customers.insert(customer('kari', { first_name: 'Kari', last_name: 'Nordmann', tokens: [{ token_id: 'card-1', type: 'membership_card', value: 'MEMBER-0001' }] }));
    index = watchCustomerIndex(db);
    await index.ready;
    expect(index.byToken(' MEMBER-0001 ')).toEqual({ customer_id: 'kari', name: 'Kari Nordmann', token: { token_id: 'card-1', type: 'membership_card', value: 'MEMBER-0001' } });
    expect(index.byToken('MEMBER-0002')).toBeNull();

    // A new customer arrives through replication; Kari's card is replaced by an app code.
    await db.customers.insert(customer('ola', { tokens: [{ type: 'app_qr', value: 'APP-ola' }] }));
    await db.customers.upsert(customer('kari', { first_name: 'Kari', last_name: 'Nordmann', tokens: [{ type: 'app_qr', value: 'APP-kari' }] }));
    await expect.poll(() => index?.byToken('APP-kari')?.customer_id).toBe('kari');
    expect(index.byToken('MEMBER-0001')).toBeNull();
    // No name: the customer id stands for it.
    expect(index.byToken('APP-ola')).toMatchObject({ customer_id: 'ola', name: 'ola' });

    // A deleted customer (a tombstone from the server) is found no more.
    await (await db.customers.findOne('pk-ola').exec())?.remove();
    await expect.poll(() => index?.byToken('APP-ola')).toBeNull();
  });

  it('finds customers by phone number in either E.164 spelling', async () => {
    await db.customers.bulkInsert([
      customer('kari', { first_name: 'Kari', phone_number: '+4791234567' }),
      customer('per', { first_name: 'Per', phone_number: '4791234567' }),
      customer('ola', { first_name: 'Ola', phone_number: '+4799999999' }),
    ]);
    index = watchCustomerIndex(db);
    const found = await index.byPhone('+4791234567');
    expect(found.map((c) => c.customer_id).sort()).toEqual(['kari', 'per']);
    expect(await index.byPhone('+4700000000')).toEqual([]);
  });

  it('reads phone numbers as cashiers type them', () => {
    expect(normalisePhone('912 34 567')).toBe('+4791234567');
    expect(normalisePhone('+47 912-34-567')).toBe('+4791234567');
    expect(normalisePhone('0046 70 123 45 67')).toBe('+46701234567');
    expect(normalisePhone('1234')).toBeNull();
    expect(normalisePhone('+0123')).toBeNull();
    expect(normalisePhone('kari')).toBeNull();
  });
});
