import { z } from 'zod';
import { AccountIdSchema } from '@pos/core';
import type { ZodApp } from '../../http.ts';
import type { AuthService } from './service.ts';
import type { SigningKeys } from './keys.ts';

const TokenRequestSchema = z.looseObject({
  grant_type: z.string().min(1),
  audience: z.string().min(1),
});

const AccessTokenSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
});

export function authRoutes(app: ZodApp, auth: AuthService, keys: SigningKeys): void {
  app.post('/v1/accounts/:aid/auth/token', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Exchange client credentials (HTTP Basic) for an access token',
      params: z.object({ aid: AccountIdSchema }),
      body: TokenRequestSchema,
      response: { 200: AccessTokenSchema },
    },
  }, async (request) => {
    const origin = `${request.protocol}://${request.host}`;
    return auth.issueToken({
      accountId: request.params.aid,
      authorization: request.headers.authorization,
      grantType: request.body.grant_type,
      audience: request.body.audience,
      requestOrigin: origin,
    });
  });

  const jwks = { config: { public: true }, schema: { tags: ['auth'], summary: 'Public keys that verify access tokens', hide: false } };
  app.get('/.well-known/jwks.json', jwks, () => keys.jwks);
  app.get('/v1/accounts/:aid/auth/.well-known/jwks.json', jwks, () => keys.jwks);
}
