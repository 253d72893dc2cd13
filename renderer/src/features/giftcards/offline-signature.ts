/**
 * Checks the server's signed offline values (contracts/offline.ts): the lease and each card's
 * allowance are compact JWS, EdDSA over Ed25519, with their own `typ` so one can never pass for
 * the other (nor an access token for either). The key comes with the lease, whose call is
 * authenticated; what arrives by replication must verify against it.
 */
import { compactVerify, importJWK } from 'jose';
import type { z } from 'zod';
import type { OfflineLeaseResponseSchema } from '@pos/core';

export type OfflinePublicKey = z.infer<typeof OfflineLeaseResponseSchema>['public_key'];

export const OFFLINE_TYP = { lease: 'pos-offline-lease+jwt', allowance: 'pos-offline-allowance+jwt' } as const;

export type Verified<T> = { readonly ok: true; readonly claims: T } | { readonly ok: false; readonly reason: string };

// Importing a key costs more than a verification; a till has one key at a time.
const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
function keyFor(jwk: OfflinePublicKey): Promise<CryptoKey | Uint8Array> {
  const id = `${jwk.kid}:${jwk.x}`;
  let key = imported.get(id);
  if (key === undefined) {
    key = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
    imported.set(id, key);
    // A bad key must not stay cached as a rejected promise.
    key.catch(() => imported.delete(id));
  }
  return key;
}

export async function verifySigned<T>(jws: string, jwk: OfflinePublicKey, typ: (typeof OFFLINE_TYP)[keyof typeof OFFLINE_TYP], schema: z.ZodType<T>): Promise<Verified<T>> {
  let payload: Uint8Array;
  try {
    const res = await compactVerify(jws, await keyFor(jwk), { algorithms: ['EdDSA', 'Ed25519'] });
    if (res.protectedHeader.typ !== typ) return { ok: false, reason: `it is a ${res.protectedHeader.typ ?? 'untyped'} value, not a ${typ}` };
    if (res.protectedHeader.kid !== undefined && res.protectedHeader.kid !== jwk.kid) return { ok: false, reason: 'it was signed with another key than the one this till has' };
    payload = res.payload;
  } catch {
    return { ok: false, reason: 'its signature does not verify' };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { ok: false, reason: 'it is not readable' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, claims: parsed.data } : { ok: false, reason: 'it is not readable' };
}
