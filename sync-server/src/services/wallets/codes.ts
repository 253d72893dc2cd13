/**
 * Card tokens and PINs: generation (core formats over a CSPRNG), hashing for storage, and the
 * Code-128 image Dintero returns when a format asks for `barcode`.
 */
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import bwipjs from 'bwip-js/node';
import { entropyBits, generateCode, type Format } from '@pos/core';
import { badRequest } from '../../errors.ts';

/** Below this a token can be guessed by a patient attacker; 16 random digits give 53 bits. */
export const MIN_TOKEN_ENTROPY_BITS = 50;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const hashPin = (pepper: string, cardPk: string, pin: string): string => createHmac('sha256', pepper).update(`${cardPk}:${pin}`).digest('hex');

export function checkTokenFormat(format: Format | undefined): void {
  if (format !== undefined && Object.keys(format).some((k) => k !== 'prefix' && k !== 'barcode') && entropyBits(format) < MIN_TOKEN_ENTROPY_BITS) {
    throw badRequest('WALLET_TOKEN_FORMAT_WEAK', `a card token needs at least ${MIN_TOKEN_ENTROPY_BITS} bits of randomness: use more characters or a larger alphabet (16 digits is the minimum)`);
  }
}

export const randomCode = (format: Format | undefined): string => generateCode(format, (n) => randomInt(n), randomUUID);

/**
 * A code derived from a secret and a seed: the same request (card, ref_id) always yields the
 * same temporary token, so an idempotent retry can return the value without it being stored.
 */
export function derivedCode(format: Format | undefined, secret: string, seed: string): string {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const nextByte = (): number => {
    if (pool.length === 0) {
      pool = createHmac('sha256', secret).update(`${seed}:${counter}`).digest();
      counter += 1;
    }
    const b = pool[0] ?? 0;
    pool = pool.subarray(1);
    return b;
  };
  // Rejection sampling keeps every symbol equally likely.
  const index = (n: number): number => {
    const limit = 256 - (256 % n);
    for (;;) {
      const b = nextByte();
      if (b < limit) return b % n;
    }
  };
  const uuid = (): string => {
    const bytes = Buffer.from(Array.from({ length: 16 }, nextByte));
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const h = bytes.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  return generateCode(format, index, uuid);
}

export async function barcode128(text: string): Promise<string> {
  const png = await bwipjs.toBuffer({ bcid: 'code128', text, scale: 2, height: 12, includetext: true, textxalign: 'center' });
  return `data:image/png;base64,${png.toString('base64')}`;
}

export async function codeResponse(value: string, format: Format | undefined): Promise<{ value: string; barcode_128?: string }> {
  return format?.barcode === true ? { value, barcode_128: await barcode128(value) } : { value };
}
