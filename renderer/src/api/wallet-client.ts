/** The Wallets API as the till uses it: look up a card, hold, capture or release an amount. */
import type { Currency } from '@pos/core';
import { CardSchema, TransactionSchema, type Card, type Transaction } from '@pos/core/contracts/wallets';
import { callApi, type ApiEndpoint } from './http.ts';

export interface WalletClient {
  info(token: string, pin?: string): Promise<Card>;
  /** A pending drawdown: the amount is locked on the card until captured or voided. */
  hold(token: string, amount: number, currency: Currency, refId: string, pin?: string): Promise<Transaction>;
  capture(transactionId: string, refId: string, amount?: number): Promise<Transaction>;
  release(transactionId: string, refId: string): Promise<Transaction>;
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
