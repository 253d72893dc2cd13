/**
 * The tills' `customers` replication collection: a customer with its tokens, updates of either,
 * and a deletion as a tombstone without personal data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerDocSchema, type Checkpoint, type CustomerDoc } from '@pos/core';
import { dbTargets } from '../support/databases.ts';
import { NOW, ok, pullPage, type PullPage, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { addToken, createCustomer, customerStore } from '../support/customers.ts';


describe.each(dbTargets())('customers replication on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());

  const pull = (s: Store, token: string, after?: Checkpoint): Promise<PullPage<CustomerDoc>> => pullPage(s, 'customers', CustomerDocSchema, token, after);

  it('a created customer arrives with its tokens; token and profile changes follow; a deletion is a tombstone', async () => {
    const s = await customerStore(h, '8');
    const till = await s.tokenFor(['read:customers']);
    const empty = await pull(s, till);
    expect(empty.documents).toEqual([]);

    const c = await createCustomer(s, {
      customer_id: 'm1', first_name: 'Liv', last_name: 'Lie', email: 'liv@example.com', phone_number: '+4797777777', status: 'vip',
      marketing_consent: { sms: { consent: true } }, addresses: [{ address_line: 'Gata 2', postal_place: 'Bergen', country: 'NO' }],
    });
    await addToken(s, 'm1', { token_id: 'card', type: 'member', value: '9001' });
    const created = await pull(s, till, empty.checkpoint);
    expect(created.documents).toEqual([{
      id: c.id, updated_at: NOW, _deleted: false, customer_id: 'm1', type: 'customer', first_name: 'Liv', last_name: 'Lie',
      email: 'liv@example.com', phone_number: '+4797777777', status: 'vip', marketing_consent: { sms: { consent: true, updated_at: NOW } },
      tokens: [{ token_id: 'card', type: 'member', value: '9001' }],
    }]);

    clock.advance(1_000);
    await addToken(s, 'm1', { token_id: 'app', type: 'app', value: 'qr-9' });
    const withApp = await pull(s, till, created.checkpoint);
    expect(withApp.documents.map((d) => [d.updated_at, d.tokens.map((t) => t.token_id)])).toEqual([[clock.now().toISOString(), ['app', 'card']]]);

    ok(await s.call('DELETE', '/customers/users/m1/tokens/card'));
    ok(await s.call('PUT', '/customers/users/m1', { status: 'blocked' }));
    const changed = await pull(s, till, withApp.checkpoint);
    expect(changed.documents.map((d) => [d.status, d.tokens.map((t) => t.token_id)])).toEqual([['blocked', ['app']]]);

    clock.advance(1_000);
    ok(await s.call('DELETE', '/customers/users/m1?delete_tokens=true'));
    const gone = await pull(s, till, changed.checkpoint);
    expect(gone.documents).toEqual([{ id: c.id, updated_at: clock.now().toISOString(), _deleted: true, customer_id: 'm1', type: 'customer', tokens: [] }]);
    expect((await pull(s, till, gone.checkpoint)).documents).toEqual([]);

    // Other accounts' customers never show, and the collection takes the customers scopes.
    const other = await customerStore(h, '8');
    await createCustomer(other, { customer_id: 'elsewhere' });
    expect((await pull(s, till, gone.checkpoint)).documents).toEqual([]);
    expect((await s.call('GET', '/sync/customers/pull', undefined, { token: await s.tokenFor(['read:discounts']) })).statusCode).toBe(403);
  });
});
