/**
 * Calls to the sync server's API from the till, with Dintero's error body turned into a typed
 * error the screens can explain to a cashier.
 */
import { z } from 'zod';

export interface ApiEndpoint {
  readonly serverUrl: string;
  readonly accountId: string;
  accessToken(): Promise<string>;
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

export async function callApi<T>(endpoint: ApiEndpoint, method: string, path: string, schema: z.ZodType<T>, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<T> {
  let res: Response;
  try {
    res = await endpoint.fetch(`${endpoint.serverUrl}/v1/accounts/${endpoint.accountId}${path}`, {
      method,
      headers: { ...headers, authorization: `Bearer ${await endpoint.accessToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiCallError(0, 'NETWORK', 'The server cannot be reached.');
  }
  const json: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    throw new ApiCallError(res.status, parsed.success ? (parsed.data.error.code ?? `HTTP_${res.status}`) : `HTTP_${res.status}`, parsed.success ? parsed.data.error.message : `HTTP ${res.status}`);
  }
  return schema.parse(json);
}
