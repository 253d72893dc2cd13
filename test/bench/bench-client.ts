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
