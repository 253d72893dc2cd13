import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authHeaders, hmacSha1Hex, sigV4Authorization } from './signing.ts';

// AWS's Signature Version 4 test suite (aws-sig-v4-test-suite), the credentials and time it uses.
const suite = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1', service: 'service', amzDate: '20150830T123600Z' };

describe('delivery signing', () => {
  it('HMAC-SHA1 is the hex digest of the exact bytes', () => {
    const body = '{"event":"ping","n":"æøå"}';
    expect(hmacSha1Hex('s3cret', body)).toBe(createHmac('sha1', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex'));
    expect(authHeaders({ type: 'HMAC-SHA1', value: 's3cret' }, new URL('https://h.no/'), body, new Date())).toEqual({ 'event-signature': hmacSha1Hex('s3cret', body) });
  });

  it('SigV4 matches the AWS test suite: post-vanilla and post-vanilla-query', () => {
    const headers = { host: 'example.amazonaws.com', 'x-amz-date': suite.amzDate };
    expect(sigV4Authorization({ ...suite, method: 'POST', url: new URL('https://example.amazonaws.com/'), headers, body: '' })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
    expect(sigV4Authorization({ ...suite, method: 'POST', url: new URL('https://example.amazonaws.com/?Param1=value1'), headers, body: '' })).toMatch(
      /Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11$/,
    );
  });

  it('an AWS secret signs host, content type, date and body hash', () => {
    const h = authHeaders({ type: 'AWS4-HMAC-SHA256', aws_access_key_id: 'AKID', aws_secret_access_key: 'k', region: 'eu-west-1', service: 'execute-api' }, new URL('https://api.example.no:8443/hook'), '{}', new Date('2026-01-02T03:04:05.678Z'));
    expect(h['x-amz-date']).toBe('20260102T030405Z');
    expect(h.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/20260102\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });
});
