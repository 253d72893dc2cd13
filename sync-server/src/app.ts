/**
 * Builds the sync server without listening, so tests drive it with `inject()` and `server.ts`
 * adds only the socket. Order: error handling and auth first, then each service's routes.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { systemClock, type Clock } from './clock.ts';
import type { Db } from './db/connect.ts';
import { migrateToLatest } from './db/migrations.ts';
import { registerAuth, type RouteAuth } from './plugins/auth.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { registerTillFiles } from './plugins/till-files.ts';
import { loadSigningKeys } from './services/auth/keys.ts';
import { createAuthRepo } from './services/auth/repo.ts';
import { authRoutes } from './services/auth/routes.ts';
import { createAuthService, type AuthService } from './services/auth/service.ts';
import { createWalletRepo } from './services/wallets/repo.ts';
import { walletRoutes } from './services/wallets/routes.ts';
import { createWalletService } from './services/wallets/service.ts';
import { createOfflineCardPort } from './services/offline/card-docs.ts';
import { createOfflineRepo } from './services/offline/repo.ts';
import { offlineRoutes } from './services/offline/routes.ts';
import { createOfflineService } from './services/offline/service.ts';
import { productRoutes } from './services/products/routes.ts';
import { createProductService } from './services/products/service.ts';
import { createProductRepo } from './services/products/repo.ts';
import { createDiscountRepo } from './services/discounts/repo.ts';
import { discountRoutes } from './services/discounts/routes.ts';
import { createDiscountService } from './services/discounts/service.ts';
import { createSyncRepo } from './services/sync/repo.ts';
import { createCustomerRepo } from './services/customers/repo.ts';
import { customerRoutes } from './services/customers/routes.ts';
import { createCustomerService, logVerificationSender, type VerificationSender } from './services/customers/service.ts';
import { createLocationRepo } from './services/locations/repo.ts';
import { locationRoutes } from './services/locations/routes.ts';
import { createLocationService } from './services/locations/service.ts';
import { syncRoutes } from './services/sync/routes.ts';
import { createSyncService } from './services/sync/service.ts';
import { listenForChanges, type ChangeListener } from './services/sync/pg-listener.ts';
import { createWebhookRepo } from './services/webhooks/repo.ts';
import { webhookRoutes } from './services/webhooks/routes.ts';
import { createWebhookService } from './services/webhooks/service.ts';
import { createDispatcher, DEFAULT_DELIVERY, type DeliveryOptions } from './services/webhooks/dispatcher.ts';
import { scopesFor } from '@pos/core';
import { createReceiptRepo } from './services/receipts/repo.ts';
import { receiptRoutes } from './services/receipts/routes.ts';
import { createReceiptService } from './services/receipts/service.ts';
import { createReceiptTokens } from './services/receipts/token.ts';

export interface AppOptions {
  db: Db;
  /** Origin clients use to reach us, e.g. `http://127.0.0.1:8080`; the token issuer and audience base. */
  publicUrl: string;
  clock?: Clock;
  logger?: boolean | { level: string };
  /** Bytes; Dintero does not publish a limit, 1 MiB fits a 1,000-line receipt. */
  bodyLimit?: number;
  /** The till's browser build to serve at `/` (kiosks, browser tills); none when absent. */
  tillDir?: string;
  /**
   * How often the replication notifier polls the change feed while a stream is open (ms). SQLite:
   * default 250, the only way changes reach streams. PostgreSQL: default 5,000, a fallback for a
   * lost notification (LISTEN/NOTIFY carries changes at once, services/sync/pg-listener.ts).
   */
  syncPollMs?: number;
  /** How often revoked clients are re-read from the database (ms); 0 disables the timer. */
  revocationRefreshMs?: number;
  /** Delivers customers' email/phone verification codes; the default writes them to the server log. */
  verificationSender?: VerificationSender;
  /** Accept webhook URLs on loopback/private/placeholder hosts (development mode only: a receiver on this machine). */
  allowLoopbackHooks?: boolean;
  /** Webhook delivery tuning (retry base, timeout, poll interval …); defaults in webhooks/dispatcher.ts. */
  hookDelivery?: Partial<DeliveryOptions>;
}

export interface BuiltApp {
  app: FastifyInstance;
  auth: AuthService;
  routes: readonly RouteAuth[];
}

export async function buildApp(opts: AppOptions): Promise<BuiltApp> {
  const clock = opts.clock ?? systemClock;
  await migrateToLatest(opts.db.kysely);
  const authRepo = createAuthRepo(opts.db.kysely);
  const keys = await loadSigningKeys(authRepo, clock.now());
  const issuer = opts.publicUrl.replace(/\/$/, '');
  const auth = createAuthService(authRepo, keys, clock, issuer);
  await auth.refreshRevocations();

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // The till and web shops send ids in paths; keep them exact.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    // Closing waits for no client: keep-alive sockets would hold a shutdown for the 72 s keep-alive
    // timeout. A request cut off this way is retried by its client, and every write is idempotent.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  // JSON only (contract §0.1): anything else is 415, not a string body that fails validation later.
  app.removeContentTypeParser(['text/plain']);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Offline POS sync server (Dintero Loyalty & Virtual Cards compatible)', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Browser clients (web shops, Dintero's discounts web SDK) call us directly.
  await app.register(cors, { origin: true, methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], maxAge: 600 });

  const routes: RouteAuth[] = [];
  registerAuth(app, auth, routes);

  app.get('/health', { config: { public: true }, schema: { hide: true } }, () => ({ status: 'ok' }));
  if (opts.tillDir !== undefined) registerTillFiles(app, opts.tillDir);
  app.get('/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, () => app.swagger());

  authRoutes(app, auth, keys);
  const offlineRepo = createOfflineRepo(opts.db.kysely);
  const offlinePort = createOfflineCardPort(offlineRepo, clock);
  const walletService = createWalletService(createWalletRepo(opts.db), clock, offlinePort);
  walletRoutes(app, walletService);
  offlineRoutes(app, createOfflineService(offlineRepo, offlinePort, walletService, clock));
  const productService = createProductService(createProductRepo(opts.db), clock);
  productRoutes(app, productService);
  const discountService = createDiscountService(createDiscountRepo(opts.db), clock, { log: app.log });
  discountRoutes(app, discountService);
  // Automation HTTP actions run after their event's commit; let them finish before the database closes.
  app.addHook('onClose', () => discountService.drain());
  const customerService = createCustomerService(createCustomerRepo(opts.db), clock, {
    discounts: discountService,
    verificationSender: opts.verificationSender ?? logVerificationSender(app.log),
  });
  customerRoutes(app, customerService);
  locationRoutes(app, createLocationService(createLocationRepo(opts.db), clock));
  const receiptRepo = createReceiptRepo(opts.db);
  const receiptTokens = createReceiptTokens(issuer, () => receiptRepo.getOrCreateSecret('receipt_token_secret', clock.now().toISOString()));
  const receiptLoyalty = { receiptsRecorded: discountService.inTransaction.receiptsRecorded };
  receiptRoutes(app, createReceiptService(receiptRepo, clock, { loyalty: receiptLoyalty, tokens: receiptTokens, log: app.log }));

  const productScopes = scopesFor('products', 'read:products', 'write:products');
  const sync = createSyncService(createSyncRepo(opts.db), {
    products: { scopes: productScopes, load: productService.sync.products },
    tax_groups: { scopes: productScopes, load: productService.sync.taxGroups },
    product_groups: { scopes: productScopes, load: productService.sync.groups },
    gift_cards: { scopes: scopesFor('wallets', 'read:wallets'), load: walletService.syncGiftCards },
    discount_rules: { scopes: scopesFor('discounts', 'read:discounts'), load: discountService.syncDiscountRules },
    customers: { scopes: scopesFor('customers', 'read:customers'), load: customerService.syncCustomers },
    customer_loyalty: { scopes: scopesFor('discounts', 'read:discounts'), load: discountService.syncCustomerLoyalty },
  }, { pollMs: opts.syncPollMs ?? (opts.db.dialect === 'postgres' ? 5_000 : 250) });
  syncRoutes(app, sync, clock);
  const pgUrl = opts.db.connectionString;
  if (pgUrl !== undefined) {
    let listener: ChangeListener | undefined;
    app.addHook('onReady', () => {
      listener = listenForChanges({ connectionString: pgUrl, log: app.log, onChange: () => void sync.poll().catch((e: unknown) => app.log.warn({ err: e }, 'could not read the change feed')) });
      return Promise.resolve();
    });
    app.addHook('onClose', async () => listener?.close());
  }

  const webhookRepo = createWebhookRepo(opts.db);
  const allowLoopbackHooks = opts.allowLoopbackHooks ?? false;
  webhookRoutes(app, createWebhookService(webhookRepo, clock, { allowLoopback: allowLoopbackHooks }));
  const dispatcher = createDispatcher(webhookRepo, clock, app.log, { ...DEFAULT_DELIVERY, ...opts.hookDelivery, allowLoopback: allowLoopbackHooks });
  app.addHook('onReady', async () => dispatcher.start());
  app.addHook('onClose', () => dispatcher.stop());

  if ((opts.revocationRefreshMs ?? 5000) > 0) {
    const timer = setInterval(() => {
      auth.refreshRevocations().catch((e: unknown) => app.log.warn({ err: e }, 'could not refresh revoked clients'));
    }, opts.revocationRefreshMs ?? 5000);
    timer.unref();
    app.addHook('onClose', () => clearInterval(timer));
  }

  await app.ready();
  return { app, auth, routes };
}
