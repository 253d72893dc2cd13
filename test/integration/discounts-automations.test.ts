/**
 * Automations (contract §3.1–3.2) over HTTP on real databases: CRUD, filters on receipt_add and
 * token events granting rules, automation_repeat, and HTTP actions against a local server.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDiscountRepo } from '../../sync-server/src/services/discounts/repo.ts';
import { createDiscountService } from '../../sync-server/src/services/discounts/service.ts';
import { dbTargets } from '../support/databases.ts';
import { createRule, expectError, FROM, newStore, NOW, ok, receiptBody, refsOf, sendEvent, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

interface Automation {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string;
  deleted_by?: string;
  name?: string;
  requirement: { automation_from: string; automation_to: string; events: string[]; filter?: Record<string, unknown[]> };
  limitation?: { automation_repeat?: number };
  actions: Array<Record<string, unknown>>;
}

interface Hit {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

const UNTIL = '2026-12-01T00:00:00.000Z';

async function eventually<T>(what: string, probe: () => T | Promise<T>, isDone: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (isDone(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => {
      data += c.toString('utf8');
    });
    req.on('end', () => resolve(data));
  });
}

describe.each(dbTargets())('automations on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  let hooks: Server;
  let hookUrl: string;
  const hits: Hit[] = [];
  beforeAll(async () => {
    h = await startHarness(target, { clock });
    hooks = createServer((req, res) => {
      void readBody(req).then((text) => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: text === '' ? undefined : JSON.parse(text) });
        res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await h.close();
    await new Promise((resolve) => hooks.close(resolve));
  });
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => newStore(h, '3');
  const automation = (over: Record<string, unknown> = {}, requirement: Record<string, unknown> = {}) => ({
    name: 'Big spenders in Oslo',
    requirement: { automation_from: FROM, automation_to: UNTIL, events: ['receipt_add'], ...requirement },
    ...over,
  });
  const customersOf = async (s: Store, ruleId: string): Promise<Array<string | null>> => (await refsOf(s, ruleId, '?limit=1000')).map((r) => r.customer_id);

  it('creates, reads, lists and deletes automations; filters is stored as filter', async () => {
    const s = await store();
    const rule = await createRule(s);
    const body = automation({ limitation: { automation_repeat: 2 }, actions: [{ type: 'discount', id: rule.id }] }, { filters: { '$.store.id': ['oslo-1'] } });
    const created = ok<Automation>(await s.call('POST', '/automations/rules', body));
    expect(created).toEqual({
      id: expect.any(String), created_at: NOW, created_by: s.clientId, updated_at: NOW, name: 'Big spenders in Oslo',
      requirement: { automation_from: FROM, automation_to: UNTIL, events: ['receipt_add'], filter: { '$.store.id': ['oslo-1'] } },
      limitation: { automation_repeat: 2 },
      actions: [{ type: 'discount', id: rule.id }],
    });
    expect(ok<Automation>(await s.call('GET', `/automations/rules/${created.id}`))).toEqual(created);
    const second = ok<Automation>(await s.call('POST', '/automations/rules', automation({ actions: [{ type: 'http', url: `${hookUrl}/x`, method: 'POST' }] })));
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules')).map((a) => a.id)).toEqual([created.id, second.id]);
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules?limit=1')).map((a) => a.id)).toEqual([created.id]);
    expect(ok<Automation[]>(await s.call('GET', `/automations/rules?starting_after=${created.id}`)).map((a) => a.id)).toEqual([second.id]);
    const deleted = ok<Automation>(await s.call('DELETE', `/automations/rules/${created.id}`));
    expect(deleted).toEqual({ ...created, deleted_at: NOW, deleted_by: s.clientId });
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules')).map((a) => a.id)).toEqual([second.id]);
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules?state=deleted')).map((a) => a.id)).toEqual([created.id]);
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules?state=all'))).toHaveLength(2);
    expectError(await s.call('DELETE', `/automations/rules/${created.id}`), 404, 'AUTOMATION_NOT_FOUND');
    expectError(await s.call('GET', '/automations/rules/nope'), 404, 'AUTOMATION_NOT_FOUND');
  });

  it('refuses bad automations with 400', async () => {
    const s = await store();
    const rule = await createRule(s, {}, { purchase_to: '2026-09-01T00:00:00Z' });
    const cases: Array<[string, unknown, string?]> = [
      ['window backwards', automation({ actions: [{ type: 'http', url: `${hookUrl}/x`, method: 'POST' }] }, { automation_from: UNTIL, automation_to: FROM }), 'AUTOMATION_INVALID'],
      ['unknown discount', automation({ actions: [{ type: 'discount', id: 'nope' }] }), 'AUTOMATION_INVALID'],
      ['runs past the discount', automation({ actions: [{ type: 'discount', id: rule.id }] }), 'AUTOMATION_INVALID'],
      ['bad JSONPath', automation({ actions: [{ type: 'discount', id: rule.id }] }, { automation_to: '2026-08-01T00:00:00Z', filter: { '$..id': ['x'] } }), 'AUTOMATION_INVALID'],
      ['numeric without pairs', automation({ actions: [{ type: 'discount', id: rule.id }] }, { automation_to: '2026-08-01T00:00:00Z', filter: { '$.n': [{ numeric: ['<'] }] } })],
      ['numeric odd', automation({ actions: [{ type: 'discount', id: rule.id }] }, { automation_to: '2026-08-01T00:00:00Z', filter: { '$.n': [{ numeric: ['<', 1, '>'] }] } }), 'AUTOMATION_INVALID'],
      ['unknown event', automation({ actions: [{ type: 'discount', id: rule.id }] }, { automation_to: '2026-08-01T00:00:00Z', events: ['order_shipped'] })],
      ['no actions', automation({ actions: [] }, { automation_to: '2026-08-01T00:00:00Z' })],
      ['bad action url', automation({ actions: [{ type: 'http', url: 'nowhere', method: 'POST' }] })],
    ];
    for (const [name, body, code] of cases) {
      const res = await s.call('POST', '/automations/rules', body);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400);
      if (code !== undefined) expect(res.json<{ error: { code: string } }>().error.code, name).toBe(code);
    }
    expect(ok<Automation[]>(await s.call('GET', '/automations/rules?state=all'))).toEqual([]);
  });

  it('a receipt_add matching store and amount grants the rule; others do not; automation_repeat holds', async () => {
    const s = await store();
    const welcome = await createRule(s, { name: 'welcome' });
    const every = await createRule(s, { name: 'every time' });
    const twice = await createRule(s, { name: 'twice' });
    const filter = { '$.store.id': ['oslo-1', 'oslo-2'], '$.gross_amount': [{ numeric: ['>=', 10_000, '<', 1_000_000] }] };
    ok(await s.call('POST', '/automations/rules', automation({ actions: [{ type: 'discount', id: welcome.id }] }, { filter })));
    ok(await s.call('POST', '/automations/rules', automation({ limitation: { automation_repeat: -1 }, actions: [{ type: 'discount', id: every.id }] }, { filters: filter })));
    ok(await s.call('POST', '/automations/rules', automation({ limitation: { automation_repeat: 2 }, actions: [{ type: 'discount', id: twice.id }] }, { filter })));
    const receipt = (id: string, over: Record<string, unknown> = {}) => ({ receipt: receiptBody({ receipt_id: id, customer_id: 'c1', store: { id: 'oslo-1' }, gross_amount: 20_000, ...over }) });

    expect((await sendEvent(s, 'receipt_add', receipt('other-store', { store: { id: 'bergen' } }))).statusCode).toBe(204);
    expect((await sendEvent(s, 'receipt_add', receipt('too-small', { gross_amount: 500 }))).statusCode).toBe(204);
    expect((await sendEvent(s, 'receipt_add', receipt('anonymous', { customer_id: undefined }))).statusCode).toBe(204);
    expect(await customersOf(s, welcome.id)).toEqual([]);
    expect(await customersOf(s, every.id)).toEqual([]);

    expect((await sendEvent(s, 'receipt_add', receipt('p-1'))).statusCode).toBe(204);
    expect(await customersOf(s, welcome.id)).toEqual(['c1']);
    expect((await refsOf(s, welcome.id))[0]?.automation_id).toEqual(expect.any(String));
    // A replay of the same receipt (new delivery id) runs nothing again.
    expect((await sendEvent(s, 'receipt_add', receipt('p-1'))).statusCode).toBe(204);
    expect(await customersOf(s, every.id)).toEqual(['c1']);
    for (const id of ['p-2', 'p-3']) expect((await sendEvent(s, 'receipt_add', receipt(id))).statusCode).toBe(204);
    expect(await customersOf(s, welcome.id)).toEqual(['c1']);
    expect(await customersOf(s, every.id)).toEqual(['c1', 'c1', 'c1']);
    expect(await customersOf(s, twice.id)).toEqual(['c1', 'c1']);
    // Another customer has repeats of their own.
    expect((await sendEvent(s, 'receipt_add', receipt('p-4', { customer_id: 'c2' }))).statusCode).toBe(204);
    expect(await customersOf(s, welcome.id)).toEqual(['c1', 'c2']);
    // Outside the automation's window nothing runs.
    clock.set(new Date('2026-12-02T00:00:00Z'));
    const late = await s.tokenFor(['write:discounts:/events']);
    expect((await sendEvent(s, 'receipt_add', receipt('p-5', { customer_id: 'c3' }), undefined, late)).statusCode).toBe(204);
    clock.set(new Date(NOW));
    expect(await customersOf(s, welcome.id)).toEqual(['c1', 'c2']);
  });

  it('token events run their automations and teach the service the token', async () => {
    const s = await store();
    const card = await createRule(s, { name: 'card holder' });
    ok(await s.call('POST', '/automations/rules', automation({ actions: [{ type: 'discount', id: card.id }] }, { events: ['token_add'], filter: { '$.type': ['loyalty_card'] } })));
    expect((await sendEvent(s, 'token_add', { token: { token_id: 't-1', type: 'email', value: 'a@b.c', customer_id: 'c1' } })).statusCode).toBe(204);
    expect(await customersOf(s, card.id)).toEqual([]);
    expect((await sendEvent(s, 'token_add', { token: { token_id: 't-2', type: 'loyalty_card', value: '7000123', customer_id: 'c1' } })).statusCode).toBe(204);
    expect(await customersOf(s, card.id)).toEqual(['c1']);
    expect((await sendEvent(s, 'token_remove', { token: { token_id: 't-2' } })).statusCode).toBe(204);
    expect(await customersOf(s, card.id)).toEqual(['c1']);
  });

  it('HTTP actions run after the event with placeholders filled in; a failing endpoint never fails the event', async () => {
    const s = await store();
    const rule = await createRule(s);
    hits.length = 0;
    ok(await s.call('POST', '/automations/rules', automation({
      actions: [
        { type: 'http', url: `${hookUrl}/grant`, method: 'POST', body: { customers: ['$.customer_id'], store: '$.store.id', items: '$.items[*].id', note: 'fixed' } },
        { type: 'discount', id: rule.id },
      ],
    }, { filter: { '$.store.id': ['oslo-1'] } })));
    ok(await s.call('POST', '/automations/rules', automation({ limitation: { automation_repeat: -1 }, actions: [{ type: 'http', url: `${hookUrl}/fail`, method: 'PUT', body: { x: 1 } }] })));
    ok(await s.call('POST', '/automations/rules', automation({ limitation: { automation_repeat: -1 }, actions: [{ type: 'http', url: 'http://127.0.0.1:1/refused', method: 'POST' }] })));

    const res = await sendEvent(s, 'receipt_add', { receipt: receiptBody({ receipt_id: 'h-1', customer_id: 'c9', store: { id: 'oslo-1' } }) });
    expect(res.statusCode, res.body).toBe(204);
    await eventually('both calls', () => hits.length, (n) => n >= 2);
    const grantCall = hits.find((x) => x.url === '/grant');
    expect(grantCall).toEqual({ method: 'POST', url: '/grant', contentType: 'application/json', body: { customers: ['c9'], store: 'oslo-1', items: ['coffee', 'bun'], note: 'fixed' } });
    expect(hits.find((x) => x.url === '/fail')).toMatchObject({ method: 'PUT', body: { x: 1 } });
    expect(await customersOf(s, rule.id)).toEqual(['c9']);
    // The failing endpoints did not hold anything up: the next event works as well.
    expect((await sendEvent(s, 'receipt_add', { receipt: receiptBody({ receipt_id: 'h-2', customer_id: 'c9', store: { id: 'bergen' } }) })).statusCode).toBe(204);
    await eventually('the second /fail call', () => hits.filter((x) => x.url === '/fail').length, (n) => n === 2);
    expect(hits.filter((x) => x.url === '/grant')).toHaveLength(1);
  });

  it('runAutomations lets another service (Customers: customer_add) run automations, once per event key', async () => {
    const s = await store();
    const welcome = await createRule(s, { name: 'welcome' });
    ok(await s.call('POST', '/automations/rules', automation({ actions: [{ type: 'discount', id: welcome.id }] }, { events: ['customer_add'], filter: { '$.status': ['MEMBER'] } })));
    const warnings: unknown[] = [];
    const discounts = createDiscountService(createDiscountRepo(h.db), clock, { log: { warn: (o) => warnings.push(o) } });
    await discounts.runAutomations(s.aid, 'customer_add', { customer_id: 'c1', status: 'GUEST' }, 'c1');
    expect(await customersOf(s, welcome.id)).toEqual([]);
    await discounts.runAutomations(s.aid, 'customer_add', { customer_id: 'c1', status: 'MEMBER' }, 'c1', { eventKey: 'customer_add:c1' });
    await discounts.runAutomations(s.aid, 'customer_add', { customer_id: 'c1', status: 'MEMBER' }, 'c1', { eventKey: 'customer_add:c1' });
    await discounts.runAutomations(s.aid, 'customer_update', { customer_id: 'c2', status: 'MEMBER' }, 'c2');
    expect(await customersOf(s, welcome.id)).toEqual(['c1']);
    await discounts.drain();
    expect(warnings).toEqual([]);
  });
});
