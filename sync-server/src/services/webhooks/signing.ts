/**
 * How a delivery proves where it comes from, per the subscription's secret (contract §6.2):
 * - `HMAC-SHA1`: `event-signature` = hex HMAC-SHA1 of the exact bytes sent, keyed with the value
 *   (Dintero's checkout docs: receivers compute it over the raw bytes they received);
 * - `Authorization`: the value as the `Authorization` header;
 * - `AWS4-HMAC-SHA256`: AWS Signature Version 4 over the request (host, content-type,
 *   x-amz-date and x-amz-content-sha256 are signed), for receivers behind API Gateway or a Lambda
 *   function URL with IAM auth. No session token: the secret has no field for one.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SecretInput } from './model.ts';

export const hmacSha1Hex = (key: string, body: string | Buffer): string => createHmac('sha1', key).update(body).digest('hex');

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac256 = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it. */
const uriEscape = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SigV4Request {
  method: string;
  url: URL;
  /** Headers to sign, `host` and `x-amz-date` included. */
  headers: Readonly<Record<string, string>>;
  body: string | Buffer;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`, the value of x-amz-date. */
  amzDate: string;
}

export const amzDateOf = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The value of the Authorization header for an AWS Signature Version 4 request. */
export function sigV4Authorization(r: SigV4Request): string {
  const names = Object.keys(r.headers).map((h) => h.toLowerCase()).sort();
  const valueOf = new Map(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')]));
  const canonicalHeaders = names.map((n) => `${n}:${valueOf.get(n) ?? ''}\n`).join('');
  const signedHeaders = names.join(';');
  // Every service but S3 signs the path encoded once more than it is sent.
  const path = r.url.pathname.split('/').map(uriEscape).join('/') || '/';
  const query = [...r.url.searchParams.entries()]
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [r.method, path, query, canonicalHeaders, signedHeaders, sha256Hex(r.body)].join('\n');
  const scope = `${r.amzDate.slice(0, 8)}/${r.region}/${r.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', r.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kSigning = hmac256(hmac256(hmac256(hmac256(`AWS4${r.secretAccessKey}`, r.amzDate.slice(0, 8)), r.region), r.service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${r.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** The headers a delivery of `body` to `url` carries for this secret (none without one). */
export function authHeaders(secret: SecretInput | null, url: URL, body: string, now: Date): Record<string, string> {
  if (secret === null) return {};
  switch (secret.type) {
    case 'HMAC-SHA1':
      return { 'event-signature': hmacSha1Hex(secret.value, body) };
    case 'Authorization':
      return { authorization: secret.value };
    case 'AWS4-HMAC-SHA256': {
      const amzDate = amzDateOf(now);
      const signed = { host: url.host, 'content-type': 'application/json', 'x-amz-date': amzDate, 'x-amz-content-sha256': sha256Hex(body) };
      const authorization = sigV4Authorization({
        method: 'POST', url, headers: signed, body, accessKeyId: secret.aws_access_key_id, secretAccessKey: secret.aws_secret_access_key,
        region: secret.region, service: secret.service, amzDate,
      });
      return { 'x-amz-date': amzDate, 'x-amz-content-sha256': signed['x-amz-content-sha256'], authorization };
    }
  }
}
