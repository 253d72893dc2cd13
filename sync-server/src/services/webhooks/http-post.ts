/**
 * One HTTP POST of a delivery, with what the history needs of the answer. node:http rather than
 * fetch because a delivery must never follow a redirect, may skip TLS verification per subscription
 * (`insecure_ssl: 1`), and must resolve host names through the public-only lookup. Never rejects:
 * no answer is a result too (status 0 and the reason).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PostResult {
  /** 0 when there was no HTTP answer. */
  status: number;
  headers: Record<string, string | string[]>;
  /** The start of the response body (utf-8), at most `maxResponseBytes`. */
  body: string;
  error?: string;
  durationMs: number;
}

export interface Sender {
  post(url: URL, headers: Readonly<Record<string, string>>, body: string, opts: { insecureSsl: boolean; signal: AbortSignal }): Promise<PostResult>;
  close(): void;
}

export function createSender(o: { timeoutMs: number; maxSockets: number; maxResponseBytes: number; lookup?: LookupFunction }): Sender {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: o.maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets: o.maxSockets }),
  };
  return {
    post(url, headers, body, opts) {
      const started = performance.now();
      const bytes = Buffer.from(body, 'utf8');
      const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(o.timeoutMs)]);
      return new Promise<PostResult>((resolve) => {
        let settled = false;
        const done = (r: Omit<PostResult, 'durationMs'>): void => {
          if (settled) return;
          settled = true;
          resolve({ ...r, durationMs: Math.round(performance.now() - started) });
        };
        const secure = url.protocol === 'https:';
        const req = (secure ? https : http).request(url, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(bytes.length) },
          agent: secure ? agents.https : agents.http,
          signal,
          ...(o.lookup === undefined ? {} : { lookup: o.lookup }),
          ...(secure ? { rejectUnauthorized: !opts.insecureSsl } : {}),
        }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const answer = (): void => {
            done({ status: res.statusCode ?? 0, headers: headersOf(res.headers), body: Buffer.concat(chunks).subarray(0, o.maxResponseBytes).toString('utf8') });
          };
          res.on('data', (c: Buffer) => {
            if (size >= o.maxResponseBytes) return;
            chunks.push(c);
            size += c.length;
            // Enough for the history: stop reading a large answer (the socket is not reused).
            if (size >= o.maxResponseBytes) {
              answer();
              res.destroy();
            }
          });
          res.on('end', answer);
          res.on('error', (e) => done({ status: res.statusCode ?? 0, headers: headersOf(res.headers), body: Buffer.concat(chunks).toString('utf8'), error: reason(e, signal) }));
        });
        req.on('error', (e) => done({ status: 0, headers: {}, body: '', error: reason(e, signal) }));
        req.end(bytes);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function headersOf(h: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

function reason(e: Error, signal: AbortSignal): string {
  if (signal.aborted) {
    const r: unknown = signal.reason;
    return r instanceof Error && r.name === 'TimeoutError' ? 'timed out waiting for the receiver' : 'delivery aborted (server shutting down)';
  }
  return e.message;
}
