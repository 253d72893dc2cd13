/**
 * Default-deny authorisation. Every route declares `config.scopes` (any one suffices) or
 * `config.public: true`; a route with neither answers 403 to everyone. A token's account must be
 * the path's `{aid}`.
 */
import type { FastifyInstance } from 'fastify';
import { hasAnyScope } from '@pos/core';
import { forbidden } from '../errors.ts';
import type { AuthService, Principal } from '../services/auth/service.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes that grant this route; `admin:<svc>` is listed by `scopesFor`. */
    scopes?: readonly string[];
    /** No token needed (token exchange, JWKS, health, OpenAPI). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface RouteAuth {
  readonly method: string;
  readonly url: string;
  readonly scopes: readonly string[];
  readonly public: boolean;
}

/** Verifies the bearer token and the route's scopes; also records every route's declaration. */
export function registerAuth(app: FastifyInstance, auth: AuthService, catalog: RouteAuth[]): void {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      catalog.push({ method, url: route.url, scopes: route.config?.scopes ?? [], public: route.config?.public === true });
    }
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unknown paths answer 404 to everyone: the route list is public in /v1/openapi.json anyway.
    if (config.public === true || request.method === 'OPTIONS' || request.is404) return;
    const principal = await auth.verify(request.headers.authorization);
    const params = request.params;
    const aid = typeof params === 'object' && params !== null && 'aid' in params ? params.aid : undefined;
    if (aid !== undefined && aid !== principal.accountId) {
      throw forbidden('AUTH_ACCOUNT_MISMATCH', `this token is for account ${principal.accountId}, not ${String(aid)}`);
    }
    const scopes = config.scopes ?? [];
    if (scopes.length === 0 || !hasAnyScope(principal.scopes, scopes)) {
      throw forbidden('AUTH_SCOPE_MISSING', `requires one of the scopes: ${scopes.join(', ') || '(none granted)'}`);
    }
    request.principal = principal;
  });
}

/** The principal of an authorised request (set by the onRequest hook). */
export function principalOf(request: { principal: Principal | null }): Principal {
  if (request.principal === null) throw forbidden('AUTH_REQUIRED', 'this route needs an access token');
  return request.principal;
}
