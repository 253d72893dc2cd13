/**
 * A till in Node, made of the real renderer modules: the RxDB replica (`openPosDatabase`) on Dexie
 * over fake-indexeddb, the real `startTillSession` (replication, change stream, sales upload), and
 * the real checkout machine with the sale screen's actors and pricer (`tillCheckoutMachine`,
 * `tillPricer`, the rules, customer and loyalty indexes), driven by events the way the screen
 * sends them. Only React is missing.
 *
 * - Network: every call the till makes goes through its own TCP proxy (`NetworkProxy`), so a test
 *   can cut the till's network (open connections destroyed, new ones reset) and restore it,
 *   whatever the server does meanwhile.
 * - Auth: the access token comes from the real client-credentials call, made through the same
 *   proxy; it is cached and dropped when the server answers 401, so the next call fetches a new one.
 * - Kill: `kill()` drops the till abruptly: its fetches are aborted, its connections cut, the
 *   machine and indexes stopped, and the RxDB instance closed without waiting for the uploader or
 *   the replications to finish. `restart()` opens the same database name again in the same
 *   fake-indexeddb and starts a new session and a new sale screen.
 * - Store: the till sells for one store at a time (receipts, offline lease and entries name it).
 *   `useStore()` moves it to another one the way a till is re-assigned: the session and screen stop
 *   in order and start again on the same replica, which keeps everything it had pulled.
 *
 * Limit: this kills a till *inside* one Node process. What had reached fake-indexeddb survives
 * and what was only in memory (the cart, the machine, in-flight requests) is gone, which is the
 * crash a till can have; but a write that IndexedDB had started is allowed to finish, where a real
 * process kill could stop it half way (IndexedDB transactions are atomic, so that loses at most a
 * sale the screen had not yet called done). A real process kill is covered for the server (the
 * chaos suite SIGKILLs it); a Chromium reload mid-sale is covered by the e2e suite.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { removeRxDatabase } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { createActor, waitFor, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import { amountDue, isKnownDiscountCode, sameDiscountCode } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../../renderer/src/db/database.ts';
import { startTillSession, type TillSession } from '../../renderer/src/app/till-session.ts';
import { outboxId } from '../../renderer/src/app/outbox.ts';
import { walletClient } from '../../renderer/src/api/wallet-client.ts';
import { watchProductIndex, type ProductIndex } from '../../renderer/src/features/sale/product-index.ts';
import { watchDiscountRules, type DiscountRuleIndex, type TillRules } from '../../renderer/src/features/sale/discount-rules.ts';
import { tillCheckoutMachine, tillPricer } from '../../renderer/src/features/sale/sale-actors.ts';
import { watchCustomerIndex, type CustomerIndex } from '../../renderer/src/features/customers/customer-index.ts';
import { watchLoyalty, type LoyaltyIndex } from '../../renderer/src/features/customers/loyalty-index.ts';
import { watchOfflineGiftCards } from '../../renderer/src/features/giftcards/offline-giftcards.ts';
import type { SyncEndpoint } from '../../renderer/src/db/replication.ts';
import type { ApiEndpoint } from '../../renderer/src/api/http.ts';
import type { TillStore } from '../../renderer/src/features/sale/sale-receipt.ts';
import { errorText } from '../../renderer/src/ui/error-text.ts';

/** One storage for every till of the process: a restarted till finds what it stored before. */
const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });

/**
 * A TCP proxy between one till and the server: the till's network. `cut()` destroys every open
 * connection and resets new ones until `restore()`.
 */
export class NetworkProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;
  private port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.up;
  }

  cut(): void {
    this.up = false;
    this.dropAll();
  }

  restore(): void {
    this.up = true;
  }

  /** Destroys the open connections (a till process dying closes its sockets too). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (!this.up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** What one sale consists of, as a cashier would ring it up. */
export interface SalePlan {
  readonly items: readonly { readonly barcode: string; readonly quantity: number }[];
  /** A customer's token (membership card) scanned before paying. */
  readonly customerToken?: string | undefined;
  /** Spend the customer's bonus points (the points rule's code). */
  readonly usePoints?: boolean | undefined;
  /** Part-pay with this gift card (scanned while paying). */
  readonly giftCardToken?: string | undefined;
}

/** Points in a sale where a test may act (kill the till, cut the network, kill the server). */
export type SalePhase = 'scanned' | 'tendered' | 'committing';

export interface SaleOutcome {
  readonly saleId: string;
  /** The screen said done: the sale was committed locally. */
  readonly done: boolean;
  /** The till was killed during the sale. */
  readonly killed: boolean;
  /** Gift card tender the sale carried (card id, wallet transaction or offline ref), if any. */
  readonly giftCard: { readonly amount: number; readonly reference: string } | null;
  /** What the cashier was told last (declined gift card, server away …). */
  readonly message: string | null;
}

export interface NodeTillOptions {
  /** The IndexedDB name: the till's identity across restarts. */
  readonly name: string;
  /** Where the till's calls go (its proxy), and the server's own URL (the tokens' audience). */
  readonly server: { readonly url: string; readonly publicUrl: string };
  readonly accountId: string;
  readonly client: { readonly client_id: string; readonly client_secret: string };
  /** The store the till sells for (default: one named like the account). */
  readonly storeId?: string;
  readonly currency?: 'NOK';
}

type Checkout = ReturnType<typeof tillCheckoutMachine>;
type CheckoutActor = ActorRefFrom<Checkout>;
type CheckoutSnapshot = SnapshotFrom<Checkout>;

/** The sale screen's moving parts, alive from a start to a kill. */
interface Screen {
  readonly db: PosDatabase;
  readonly session: TillSession;
  readonly actor: CheckoutActor;
  readonly rules: DiscountRuleIndex;
  readonly customers: CustomerIndex;
  readonly abort: AbortController;
  readonly close: () => void;
  /** Sale ids the screen called done. */
  readonly done: Set<string>;
}

class TillKilled extends Error {}

export class NodeTill {
  private storeId: string;
  private readonly proxyUrl: string;
  private token: string | null = null;
  private screen: Screen | null = null;
  private closing: Promise<void> = Promise.resolve();

  constructor(readonly opts: NodeTillOptions) {
    this.proxyUrl = opts.server.url;
    this.storeId = opts.storeId ?? opts.accountId;
  }

  /** The store it sells for; the terminal is the API client (as app.tsx sets it). */
  get store(): TillStore {
    return { id: this.storeId, terminal_id: this.opts.client.client_id };
  }

  get db(): PosDatabase {
    return this.current().db;
  }

  get session(): TillSession {
    return this.current().session;
  }

  get alive(): boolean {
    return this.screen !== null;
  }

  /** Starts the till on its stored data (on `db` when the replica is still open). */
  async start(reuse?: PosDatabase): Promise<void> {
    await this.closing;
    const abort = new AbortController();
    const db = reuse ?? (await openPosDatabase(this.opts.name, storage));
    const endpoint = this.endpoint(abort.signal);
    const store = this.store;
    const session = startTillSession(db, endpoint, () => Date.now(), store);

    const products = watchProductIndex(db);
    const rules: DiscountRuleIndex = watchDiscountRules(db);
    const customers: CustomerIndex = watchCustomerIndex(db);
    const currentRules = (): TillRules => rules.current();
    const loyalty: LoyaltyIndex = watchLoyalty(db, currentRules);
    const giftCards = watchOfflineGiftCards(db);
    const machine = tillCheckoutMachine({
      products: async (): Promise<ProductIndex> => {
        await products.ready;
        return products;
      },
      customers: async () => {
        await customers.ready;
        return customers;
      },
      followLoyalty: (customerId) => loyalty.follow(customerId),
      wallets: walletClient(endpoint),
      db,
      // As the sale screen wires it: the replica's cards and the session's lease.
      offline: {
        cards: async () => {
          await giftCards.ready;
          return giftCards;
        },
        lease: () => session.offline.getState().lease,
      },
    });
    const pointsCode = (): string | null => currentRules().points?.code ?? null;
    const actor = createActor(machine, {
      input: {
        currency: this.opts.currency ?? 'NOK',
        newId: () => crypto.randomUUID(),
        now: () => new Date(),
        explain: errorText,
        price: tillPricer(currentRules, store, (customerId) => loyalty.state(customerId)),
        isCouponCode: (code: string) => isKnownDiscountCode(currentRules().prepared, code),
        isPointsCode: (code: string) => {
          const points = pointsCode();
          return points !== null && sameDiscountCode(points, code);
        },
        isOnline: () => session.offline.getState().online,
      },
    });
    const done = new Set<string>();
    // Noted at the moment the screen shows "done", before anything else can happen to the till.
    actor.subscribe((s) => {
      if (s.matches('done') && s.context.completed !== null) done.add(s.context.completed.sale_id);
    });
    // The screen re-prices while selling when the rules or a followed customer's loyalty change.
    const stopRules = rules.onChange(() => actor.send({ type: 'rules.changed' }));
    const stopLoyalty = loyalty.onChange(() => actor.send({ type: 'rules.changed' }));
    actor.start();
    this.screen = {
      db,
      session,
      actor,
      rules,
      customers,
      abort,
      done,
      close: () => {
        stopRules();
        stopLoyalty();
        actor.stop();
        giftCards.close();
        loyalty.close();
        customers.close();
        rules.close();
        products.close();
      },
    };
  }

  /** Resolves once every collection has caught up with the server once (bounded). */
  async initialSync(timeoutMs = 20_000): Promise<void> {
    await withTimeout(this.session.initialSync(), timeoutMs, `${this.opts.name}: initial sync did not finish in ${timeoutMs} ms`);
    // And the offline lease, which a till online fetches right away: without it no gift card is taken offline.
    const deadline = Date.now() + timeoutMs;
    while (this.session.offline.getState().lease === null && Date.now() < deadline) await sleep(20);
  }

  /** Drops the till abruptly (see the file comment). */
  kill(): void {
    const screen = this.screen;
    if (screen === null) return;
    this.screen = null;
    screen.abort.abort();
    screen.close();
    // Timers and subscriptions die with a process; nothing here is waited for before the close.
    void screen.session.stop().catch(() => undefined);
    this.closing = screen.db.close().then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Moves the till to another store: session and screen stop in order and start again on the same
   * replica (kept open), so the new session only catches up on what changed. Resolves once it has
   * caught up and holds an offline lease for the new store (bounded).
   */
  async useStore(storeId: string, timeoutMs = 20_000): Promise<void> {
    const screen = this.screen;
    this.storeId = storeId;
    if (screen !== null) {
      this.screen = null;
      screen.close();
      await screen.session.stop();
      screen.abort.abort();
    }
    await this.start(screen?.db);
    await this.initialSync(timeoutMs);
  }

  /**
   * Whether the replica and the screen's indexes hold these members (by card number) and gift
   * cards (by card id): what a trial waits for before selling to them.
   */
  async holds(want: { readonly customerTokens: readonly string[]; readonly cardIds: readonly string[] }): Promise<boolean> {
    const { db, customers } = this.current();
    if (!want.customerTokens.every((t) => customers.byToken(t) !== null)) return false;
    if (want.cardIds.length === 0) return true;
    const cards = await db.gift_cards.find({ selector: { card_id: { $in: [...want.cardIds] } } }).exec();
    return want.cardIds.every((id) => cards.some((c) => c.card_id === id));
  }

  async restart(): Promise<void> {
    this.kill();
    await this.start();
  }

  /** Ends the till in order (the end of a test): the session stops, the database closes. */
  async stop(): Promise<void> {
    const screen = this.screen;
    if (screen !== null) {
      this.screen = null;
      screen.close();
      await screen.session.stop();
      screen.abort.abort();
      await screen.db.close();
    }
    await this.closing;
  }

  /** Removes the till's stored data (after `stop`). */
  async destroy(): Promise<void> {
    await removeRxDatabase(this.opts.name, storage);
  }

  /**
   * What is still to go up: sales completed since `since` (ISO) whose receipt record the server
   * has not confirmed, the outbox as the status bar counts it, and the last error shown.
   */
  async drainState(since = ''): Promise<{ unsentSales: number; pending: number; parked: number; error: string | null }> {
    const { db, session } = this.current();
    // Counted here rather than taken from the status bar, which recounts at most every 200 ms.
    const [unsentSales, pending, parked] = await Promise.all([
      db.sales.find({ selector: { completed_at: { $gte: since }, uploaded: false } }).exec().then(async (sales) => {
        const records = await db.outbox.findByIds(sales.map((s) => outboxId('receipt', s.id))).exec();
        return sales.filter((s) => records.get(outboxId('receipt', s.id))?.state !== 'sent').length;
      }),
      db.outbox.count({ selector: { state: 'pending' } }).exec(),
      db.outbox.count({ selector: { state: 'parked' } }).exec(),
    ]);
    return { unsentSales, pending: pending + parked, parked, error: session.getStatus().error };
  }

  /** The sales in the till's database completed at or after `since` (ISO), with the store each names. */
  async storedSales(since = ''): Promise<{ sale_id: string; completed_at: string; store_id: string | null }[]> {
    const docs = await this.current().db.sales.find({ selector: { completed_at: { $gte: since } } }).exec();
    return docs.map((d) => ({ sale_id: d.id, completed_at: d.completed_at, store_id: storeOf(d.sale) }));
  }

  /**
   * Rings up one sale the way a cashier does: scan the items (and the customer's card), pay,
   * part-pay by gift card when asked, the rest in cash. `at` is called at each phase and may kill
   * the till (then the outcome says so). A completion that fails (gift card capture with the
   * server away) is retried like a cashier would, until it succeeds or the till is killed.
   */
  async sell(plan: SalePlan, at: (phase: SalePhase) => Promise<void> = async () => undefined): Promise<SaleOutcome> {
    const screen = this.current();
    const { actor } = screen;
    const saleId = actor.getSnapshot().context.saleId;
    const outcome = (extra: Partial<SaleOutcome> = {}): SaleOutcome => {
      const s = actor.getSnapshot();
      const gift = s.context.tenders.find((t) => t.kind === 'gift_card' || t.kind === 'gift_card_offline');
      return {
        saleId,
        done: screen.done.has(saleId),
        killed: this.screen !== screen,
        giftCard: gift === undefined ? null : { amount: gift.amount, reference: gift.kind === 'gift_card' ? gift.transaction_id : gift.ref_id },
        message: s.context.message,
        ...extra,
      };
    };
    const alive = (): void => {
      if (this.screen !== screen) throw new TillKilled();
    };
    const settle = (pred: (s: CheckoutSnapshot) => boolean): Promise<CheckoutSnapshot> => {
      alive();
      return waitFor(actor, (s) => pred(s) || this.screen !== screen, { timeout: 30_000 }).then((s) => {
        alive();
        return s;
      });
    };
    try {
      for (const item of plan.items) {
        for (let i = 0; i < item.quantity; i++) actor.send({ type: 'scan.received', code: item.barcode });
      }
      if (plan.customerToken !== undefined) actor.send({ type: 'scan.received', code: plan.customerToken });
      await settle((s) => s.matches({ selling: 'ready' }) && s.context.scanQueue.length === 0);
      const points = screen.rules.current().points?.code ?? null;
      if (plan.usePoints === true && points !== null && actor.getSnapshot().context.customer !== null) actor.send({ type: 'points.toggle', code: points });
      await at('scanned');
      alive();
      if (actor.getSnapshot().context.priced.lines.length === 0) return outcome();
      actor.send({ type: 'pay' });
      await settle((s) => s.matches({ paying: 'choosing' }) || s.matches('paying'));
      if (plan.giftCardToken !== undefined) {
        actor.send({ type: 'tender.giftCard', token: plan.giftCardToken });
        await settle((s) => s.matches({ paying: 'choosing' }) || s.matches({ paying: 'needPin' }) || s.matches({ paying: 'completing' }) || s.matches('done'));
        if (actor.getSnapshot().matches({ paying: 'needPin' })) actor.send({ type: 'back' });
      }
      await at('tendered');
      alive();
      const snap = actor.getSnapshot();
      if (snap.matches({ paying: 'choosing' })) {
        const due = amountDue(snap.context.priced.net_amount, snap.context.tenders);
        actor.send({ type: 'tender.cash', given: due });
      }
      // The kill may land while the sale is being captured and committed.
      const committing = at('committing');
      for (let attempt = 0; ; attempt++) {
        const s = await settle((x) => x.matches('done') || x.matches({ paying: { completing: 'failed' } }));
        if (s.matches('done')) break;
        // The screen shows the failure; the cashier presses retry.
        await committing;
        alive();
        await sleep(Math.min(500, 20 * (attempt + 1)));
        alive();
        actor.send({ type: 'retry' });
      }
      await committing;
      alive();
      const result = outcome();
      actor.send({ type: 'sale.new' });
      return result;
    } catch (e) {
      if (e instanceof TillKilled || this.screen !== screen) return outcome({ killed: true });
      throw e;
    }
  }

  /** The till's endpoint: its proxy, its token, its fetches abortable by a kill. */
  private endpoint(signal: AbortSignal): SyncEndpoint & ApiEndpoint {
    const tillFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, { ...init, signal: init?.signal === undefined || init.signal === null ? signal : AbortSignal.any([init.signal, signal]) });
      // A token the server no longer takes (restarted with other keys, expired): fetch a new one next time.
      if (res.status === 401) this.token = null;
      return res;
    };
    return {
      serverUrl: this.proxyUrl,
      accountId: this.opts.accountId,
      fetch: tillFetch,
      accessToken: async (options?: { readonly fresh?: boolean }) => {
        if (this.token !== null && options?.fresh !== true) return this.token;
        const { client_id, client_secret } = this.opts.client;
        const res = await fetch(`${this.proxyUrl}/v1/accounts/${this.opts.accountId}/auth/token`, {
          method: 'POST',
          signal,
          headers: { authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', audience: `${this.opts.server.publicUrl}/v1/accounts/${this.opts.accountId}` }),
        });
        if (!res.ok) throw new Error(`token exchange answered HTTP ${res.status}`);
        const body: unknown = await res.json();
        if (typeof body !== 'object' || body === null || !('access_token' in body) || typeof body.access_token !== 'string') throw new Error('token exchange answered without a token');
        this.token = body.access_token;
        return body.access_token;
      },
    };
  }

  private current(): Screen {
    if (this.screen === null) throw new Error(`${this.opts.name} is not running`);
    return this.screen;
  }
}

/** The store a stored sale's receipt names (`sale.receipt.store.id`), or null when it names none. */
function storeOf(sale: Record<string, unknown>): string | null {
  const receipt = sale.receipt;
  if (typeof receipt !== 'object' || receipt === null || !('store' in receipt)) return null;
  const store = receipt.store;
  if (typeof store !== 'object' || store === null || !('id' in store) || typeof store.id !== 'string') return null;
  return store.id;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
