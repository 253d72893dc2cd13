/**
 * The token signing key: RS256, made on first start and kept in the database so tokens survive a
 * restart and every server node shares it. RS256 because verification (every request) is a few
 * times cheaper than ECDSA or EdDSA; signing (once per 4 h per client) is the slow side.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { AuthRepo } from './repo.ts';

export const ALG = 'RS256';

export interface SigningKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKeys: ReadonlyMap<string, CryptoKey>;
  readonly jwks: { keys: JWK[] };
}

export async function loadSigningKeys(repo: AuthRepo, now: Date): Promise<SigningKeys> {
  if ((await repo.firstSigningKey()) === undefined) {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
    const kid = randomUUID();
    await repo.insertSigningKeyIfNone({
      kid,
      alg: ALG,
      private_jwk: JSON.stringify(await exportJWK(privateKey)),
      public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' }),
      created_at: now.toISOString(),
    });
  }
  const rows = await repo.allSigningKeys();
  const first = rows[0];
  if (first === undefined) throw new Error('no signing key after creating one');
  const publicKeys = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  for (const row of rows) {
    const jwk = parseJwk(row.public_jwk);
    publicKeys.set(row.kid, await importKey(jwk, row.alg));
    jwks.push(jwk);
  }
  const privateKey = await importKey(parseJwk(first.private_jwk), first.alg);
  return { kid: first.kid, privateKey, publicKeys, jwks: { keys: jwks } };
}

const parseJwk = (json: string): JWK => {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || !('kty' in value) || typeof value.kty !== 'string') {
    throw new Error('stored signing key is not a JWK');
  }
  return { ...value, kty: value.kty };
};

async function importKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  const key = await importJWK(jwk, alg);
  if (key instanceof Uint8Array) throw new Error(`signing key ${jwk.kid ?? ''} is symmetric; expected ${alg}`);
  return key;
}
