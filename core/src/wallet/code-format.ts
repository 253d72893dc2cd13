/**
 * Card token and PIN formats (Dintero's `Format`), generated from a random source the caller
 * supplies so that this module stays deterministic and testable.
 */
import { z } from 'zod';

export const FormatSchema = z.strictObject({
  length: z.number().int().min(4).max(128).optional(),
  prefix: z.string().max(32).regex(/^\S*$/, 'prefix must not contain white space').optional(),
  symbols: z.boolean().optional(),
  numbers: z.boolean().optional(),
  characters: z.boolean().optional(),
  barcode: z.boolean().optional(),
});
export type Format = z.infer<typeof FormatSchema>;

const DIGITS = '0123456789';
// Letters that cannot be mistaken for digits or each other when typed from a printed card.
const LETTERS = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
const SYMBOLS = '@#$%&*+=?!';

export const DEFAULT_TOKEN_PREFIX = 'DINCARD:';
export const DEFAULT_PIN_FORMAT: Format = { length: 6, numbers: true, characters: false, symbols: false };

/** The characters a format draws from; an empty alphabet falls back to digits. */
export function alphabetOf(format: Format): string {
  const a = (format.numbers ?? true ? DIGITS : '') + (format.characters ?? true ? LETTERS : '') + (format.symbols ?? true ? SYMBOLS : '');
  return a === '' ? DIGITS : a;
}

/** Bits of secret in one generated code (the prefix is public). */
export const entropyBits = (format: Format): number => (format.length ?? 36) * Math.log2(alphabetOf(format).length);

/**
 * Builds a code of `format.length` characters; `randomIndex(n)` must return a uniform integer in
 * [0, n). Without any format field set the code is a UUID, as Dintero's default token is.
 */
export function generateCode(format: Format | undefined, randomIndex: (n: number) => number, uuid: () => string): string {
  if (format === undefined || Object.keys(format).every((k) => k === 'prefix' || k === 'barcode')) {
    return (format?.prefix ?? DEFAULT_TOKEN_PREFIX) + uuid();
  }
  const alphabet = alphabetOf(format);
  let body = '';
  for (let i = 0; i < (format.length ?? 36); i += 1) body += alphabet.charAt(randomIndex(alphabet.length));
  return (format.prefix ?? '') + body;
}

/** Shows the prefix, the separators and the last four characters; the rest becomes `*`. */
export function maskCode(code: string, prefix: string): string {
  const hasPrefix = prefix !== '' && code.startsWith(prefix);
  const body = hasPrefix ? code.slice(prefix.length) : code;
  const keep = Math.min(4, Math.floor(body.length / 3));
  const masked = [...body].map((ch, i) => (i >= body.length - keep || ch === '-' ? ch : '*')).join('');
  return (hasPrefix ? prefix : '') + masked;
}
