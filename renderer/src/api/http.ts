/**
 * Calls to the sync server's API from the till, with Dintero's error body turned into a typed
 * error the screens can explain to a cashier.
 */
import { z } from 'zod';

export interface ApiEndpoint {
  readonly serverUrl: string;
  readonly accountId: string;
  /** A valid token; `fresh` asks for a new one instead of the cached one (after a 401). */
  accessToken(options?: { readonly fresh?: boolean }): Promise<string>;
  readonly fetch: typeof fetch;
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

const ErrorBody = z.object({ error: z.object({ message: z.string(), code: z.string().optional() }) });

/**
 * One call; an answer of 401 gets one retry with a fresh token (the cached one may have expired
 * during an outage, or the server may have restarted with new keys) before it counts.
 */
export async function callApi<T>(endpoint: ApiEndpoint, method: string, path: string, schema: z.ZodType<T>, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<T> {
  let res = await send(endpoint, method, path, body, headers, false);
  if (res.status === 401) res = await send(endpoint, method, path, body, headers, true);
  const json: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    throw new ApiCallError(res.status, parsed.success ? (parsed.data.error.code ?? `HTTP_${res.status}`) : `HTTP_${res.status}`, parsed.success ? parsed.data.error.message : `HTTP ${res.status}`);
  }
  return schema.parse(json);
}

async function send(endpoint: ApiEndpoint, method: string, path: string, body: unknown, headers: Readonly<Record<string, string>>, fresh: boolean): Promise<Response> {
  try {
    const token = await endpoint.accessToken(fresh ? { fresh: true } : undefined);
    return await endpoint.fetch(`${endpoint.serverUrl}/v1/accounts/${endpoint.accountId}${path}`, {
      method,
      headers: { ...headers, authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiCallError(0, 'NETWORK', 'The server cannot be reached.');
  }
}
