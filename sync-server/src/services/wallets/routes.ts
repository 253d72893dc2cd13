/** Dintero's Wallets routes (contract §5.1): schemas, scopes, and the call into the service. */
import { z } from 'zod';
import { hasAnyScope, scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, PagingQuerySchema } from '@pos/core/contracts/common';
import {
  CaptureSchema,
  CardCreatedSchema,
  CardCreateSchema,
  CardDetailsSchema,
  CardListQuerySchema,
  CardSchema,
  CustomerCardSchema,
  CustomerCardStateSchema,
  TokenCodeSchema,
  TokenCreateSchema,
  TokenSchema,
  TransactionCreateSchema,
  TransactionSchema,
  VoidSchema,
} from '@pos/core/contracts/wallets';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Actor, WalletService } from './service.ts';

const READ = scopesFor('wallets', 'read:wallets');
const WRITE = scopesFor('wallets', 'write:wallets');
const TRANSACT = scopesFor('wallets', 'write:wallets', 'write:wallets:/transactions');
const INFO = scopesFor('wallets', 'write:wallets', 'write:wallets:/info');
const CUSTOMER = scopesFor('wallets', 'read:wallets', 'user:wallets');

const Aid = z.object({ aid: AccountIdSchema });
const CardParams = Aid.extend({ card_id: ClientKeySchema });
const tags = ['wallets'];

function actorOf(request: FastifyRequest): Actor {
  const p = principalOf(request);
  return { clientId: p.clientId, canWrite: hasAnyScope(p.scopes, WRITE) };
}

export function walletRoutes(app: ZodApp, wallets: WalletService): void {
  app.post('/v1/accounts/:aid/wallets/cards', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a card; the PIN and token are returned only here', params: Aid, body: CardCreateSchema, response: { 200: CardCreatedSchema } },
  }, (req) => wallets.createCard(req.params.aid, actorOf(req), req.body));

  app.get('/v1/accounts/:aid/wallets/cards', {
    config: { scopes: READ },
    schema: { tags, summary: 'List cards', params: Aid, querystring: CardListQuerySchema, response: { 200: z.object({ cards: z.array(CardSchema), starting_after: z.string().optional() }) } },
  }, (req) => wallets.listCards(req.params.aid, req.query));

  app.get('/v1/accounts/:aid/wallets/cards/:card_id', {
    config: { scopes: READ },
    schema: { tags, summary: 'Card details with masked tokens', params: CardParams, response: { 200: CardDetailsSchema } },
  }, (req) => wallets.getCard(req.params.aid, req.params.card_id));

  app.delete('/v1/accounts/:aid/wallets/cards/:card_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a card (its ledger is kept)', params: CardParams, response: { 200: CardSchema } },
  }, (req) => wallets.deleteCard(req.params.aid, actorOf(req), req.params.card_id));

  app.post('/v1/accounts/:aid/wallets/cards/:card_id/tokens', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a temporary card code', params: CardParams, body: TokenCreateSchema, response: { 200: TokenSchema } },
  }, (req) => wallets.createToken(req.params.aid, actorOf(req), req.params.card_id, req.body));

  app.get('/v1/accounts/:aid/wallets/cards/:card_id/transactions', {
    config: { scopes: READ },
    schema: { tags, summary: 'The card ledger, oldest first', params: CardParams, response: { 200: z.array(TransactionSchema) } },
  }, (req) => wallets.listTransactions(req.params.aid, req.params.card_id));

  app.get('/v1/accounts/:aid/wallets/customers/:customer_id/cards', {
    config: { scopes: CUSTOMER },
    schema: { tags, summary: "A customer's cards", params: Aid.extend({ customer_id: ClientKeySchema }), querystring: PagingQuerySchema, response: { 200: z.array(CustomerCardSchema) } },
  }, (req) => wallets.customerCards(req.params.aid, req.params.customer_id, req.query));

  app.get('/v1/accounts/:aid/wallets/customers/:customer_id/cards/:card_id', {
    config: { scopes: CUSTOMER },
    schema: { tags, summary: "One of a customer's cards with balance", params: CardParams.extend({ customer_id: ClientKeySchema }), response: { 200: CustomerCardStateSchema } },
  }, (req) => wallets.customerCard(req.params.aid, req.params.customer_id, req.params.card_id));

  app.post('/v1/accounts/:aid/wallets/info', {
    config: { scopes: INFO },
    schema: { tags, summary: 'Balance of the card behind a token (PIN if the card has one)', params: Aid, body: TokenCodeSchema, response: { 200: CardSchema } },
  }, (req) => wallets.info(req.params.aid, actorOf(req), req.body));

  app.post('/v1/accounts/:aid/wallets/transactions', {
    config: { scopes: TRANSACT },
    schema: { tags, summary: 'Drawdown (optionally pending) or fund', params: Aid, body: TransactionCreateSchema, response: { 200: TransactionSchema } },
  }, (req) => wallets.transact(req.params.aid, actorOf(req), req.body));

  const TxParams = Aid.extend({ transaction_id: z.string().min(1).max(64) });
  app.post('/v1/accounts/:aid/wallets/transactions/:transaction_id/capture', {
    config: { scopes: TRANSACT },
    schema: { tags, summary: 'Capture a pending drawdown, fully or partly', params: TxParams, body: CaptureSchema, response: { 200: TransactionSchema } },
  }, (req) => wallets.settle(req.params.aid, actorOf(req), req.params.transaction_id, 'capture', req.body));

  app.post('/v1/accounts/:aid/wallets/transactions/:transaction_id/void', {
    config: { scopes: TRANSACT },
    schema: { tags, summary: 'Release what is left of a pending drawdown', params: TxParams, body: VoidSchema, response: { 200: TransactionSchema } },
  }, (req) => wallets.settle(req.params.aid, actorOf(req), req.params.transaction_id, 'void', req.body));
}
