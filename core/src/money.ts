import { z } from 'zod';

/** Currencies the wallet and product services accept (Dintero's 2024 baseline is NOK only). */
export const CURRENCIES = ['NOK', 'SEK', 'DKK', 'EUR', 'USD'] as const;
export const CurrencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof CurrencySchema>;

export const isCurrency = (s: string): s is Currency => CurrencySchema.safeParse(s).success;

/** Narrows a currency read back from storage; anything else there is a bug, not user input. */
export function asCurrency(s: string): Currency {
  if (!isCurrency(s)) throw new Error(`stored currency ${s} is not supported`);
  return s;
}

/**
 * Largest amount we accept in one field: 2^53 - 1 would be exact in JSON, but 10^12 minor units
 * (ten billion kroner) is far beyond any gift card and keeps every sum of a few million entries
 * exact in a double and in a SQL bigint.
 */
export const MAX_AMOUNT = 1_000_000_000_000;

/** An amount in minor units (øre/cents): an integer, never a float. */
export const AmountSchema = z.number().int().min(0).max(MAX_AMOUNT);
export const PositiveAmountSchema = z.number().int().min(1).max(MAX_AMOUNT);
