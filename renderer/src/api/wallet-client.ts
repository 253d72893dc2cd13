/** The Wallets API as the till uses it: look up a card, hold, capture or release an amount. */
import type { Currency } from '@pos/core';
import { z } from 'zod';
import { CardCreatedSchema, CardDetailsSchema, CardSchema, TransactionSchema, type Card, type Transaction } from '@pos/core/contracts/wallets';
import { callApi, type ApiEndpoint } from './http.ts';

export interface WalletClient {
  info(token: string, pin?: string): Promise<Card>;
  /** A pending drawdown: the amount is locked on the card until captured or voided. */
  hold(token: string, amount: number, currency: Currency, refId: string, pin?: string): Promise<Transaction>;
  capture(transactionId: string, refId: string, amount?: number): Promise<Transaction>;
  release(transactionId: string, refId: string): Promise<Transaction>;
}

export type IssuedCard = z.infer<typeof CardCreatedSchema>;

/** What a manager does with cards: issue, look up, top up, undo a mistaken issue. */
export interface WalletAdminClient {
  issue(input: { cardId: string; amount: number; currency: Currency; name?: string | undefined; customerId?: string | undefined; withPin: boolean }): Promise<IssuedCard>;
  details(cardId: string): Promise<z.infer<typeof CardDetailsSchema>>;
  history(cardId: string): Promise<Transaction[]>;
  fund(cardId: string, amount: number, currency: Currency, refId: string): Promise<Transaction>;
  drawdown(cardId: string, amount: number, currency: Currency, refId: string): Promise<Transaction>;
  remove(cardId: string): Promise<Card>;
}

/** Card numbers a person can read and key: 16 digits, printed with a Code-128 barcode. */
const TOKEN_FORMAT = { length: 16, numbers: true, characters: false, symbols: false, barcode: true } as const;
const PIN_FORMAT = { length: 4, numbers: true, characters: false, symbols: false } as const;
const FIVE_YEARS_S = 5 * 365 * 24 * 3600;

export function walletAdminClient(endpoint: ApiEndpoint): WalletAdminClient {
  const id = (cardId: string): string => encodeURIComponent(cardId);
  return {
    issue: (i) =>
      callApi(endpoint, 'POST', '/wallets/cards', CardCreatedSchema, {
        card_id: i.cardId, amount: i.amount, currency: i.currency, type: 'gift_card', originated_by: 'till',
        ...(i.name === undefined ? {} : { name: i.name }), ...(i.customerId === undefined ? {} : { customer_id: i.customerId }),
        // A gift card is spent over many purchases: its number must outlive one transaction.
        card_token: { expires_in: FIVE_YEARS_S, expires_after_transaction: false, format: TOKEN_FORMAT },
        ...(i.withPin ? { pin: { format: PIN_FORMAT } } : {}),
      }),
    details: (cardId) => callApi(endpoint, 'GET', `/wallets/cards/${id(cardId)}`, CardDetailsSchema),
    history: (cardId) => callApi(endpoint, 'GET', `/wallets/cards/${id(cardId)}/transactions`, z.array(TransactionSchema)),
    fund: (cardId, amount, currency, refId) => callApi(endpoint, 'POST', '/wallets/transactions', TransactionSchema, { card_id: cardId, amount, currency, ref_id: refId, type: 'fund' }),
    drawdown: (cardId, amount, currency, refId) => callApi(endpoint, 'POST', '/wallets/transactions', TransactionSchema, { card_id: cardId, amount, currency, ref_id: refId }),
    remove: (cardId) => callApi(endpoint, 'DELETE', `/wallets/cards/${id(cardId)}`, CardSchema),
  };
}

export function walletClient(endpoint: ApiEndpoint): WalletClient {
  return {
    info: (token, pin) => callApi(endpoint, 'POST', '/wallets/info', CardSchema, pin === undefined ? { token } : { token, pin }),
    hold: (token, amount, currency, refId, pin) =>
      callApi(endpoint, 'POST', '/wallets/transactions', TransactionSchema, { token, amount, currency, ref_id: refId, pending: true, ...(pin === undefined ? {} : { pin }) }),
    capture: (id, refId, amount) =>
      callApi(endpoint, 'POST', `/wallets/transactions/${encodeURIComponent(id)}/capture`, TransactionSchema, amount === undefined ? { ref_id: refId } : { ref_id: refId, amount }),
    release: (id, refId) => callApi(endpoint, 'POST', `/wallets/transactions/${encodeURIComponent(id)}/void`, TransactionSchema, { ref_id: refId }),
  };
}
