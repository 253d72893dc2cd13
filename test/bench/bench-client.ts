/** What every load benchmark does first: a bearer token for an API client, by client credentials. */
export async function clientToken(base: string, accountId: string, c: { client_id: string; client_secret: string }): Promise<string> {
  const res = await fetch(`${base}/v1/accounts/${accountId}/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', audience: `${base}/v1/accounts/${accountId}` }),
  });
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null || !('access_token' in body) || typeof body.access_token !== 'string') throw new Error('bench token exchange failed');
  return body.access_token;
}

/** One API call as a bench's set-up makes it: JSON in and out, anything but 200 throws. */
export async function benchCall(base: string, accountId: string, bearer: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/v1/accounts/${accountId}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The `id` of an API object, '' when it has none. */
export const idOf = (v: unknown): string => (typeof v === 'object' && v !== null && 'id' in v && typeof v.id === 'string' ? v.id : '');
