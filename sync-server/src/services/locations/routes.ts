/** Dintero's sales location routes (contract §2.1): schemas, scopes, and the call into the service. */
import { z } from 'zod';
import { scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, ErrorBodySchema } from '@pos/core/contracts/common';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import { LocationPostSchema, LocationPutSchema, LocationResponseSchema } from './schemas.ts';
import type { Actor, LocationService } from './service.ts';

const READ = scopesFor('locations', 'read:locations');
const WRITE = scopesFor('locations', 'write:locations');

const tags = ['locations'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };
const Aid = z.object({ aid: AccountIdSchema });
const LocationParams = Aid.extend({ lid: ClientKeySchema });

/** `?x=a&x=b` arrives as an array, `?x=a` as a string; Dintero's clients write `x[]`. */
const StringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const LIST_FILTERS = ['status', 'country', 'phone_number', 'organization_number', 'email', 'type'] as const;
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().min(1).optional().describe('The location_id of the last location of the previous page'),
  search: z.string().min(1).optional(),
  ...Object.fromEntries(LIST_FILTERS.flatMap((f) => [[f, StringList.optional()], [`${f}[]`, StringList.optional()]])),
});

/** Both spellings of an array filter, merged; undefined when neither was given. */
function listParam(query: Record<string, unknown>, name: string): string[] | undefined {
  const values = [query[name], query[`${name}[]`]].flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []));
  return values.length === 0 ? undefined : values;
}

function actorOf(request: FastifyRequest<{ Params: { aid: string } }>): Actor {
  return { accountId: request.params.aid, clientId: principalOf(request).clientId };
}

export function locationRoutes(app: ZodApp, locations: LocationService): void {
  app.get('/v1/accounts/:aid/locations', {
    config: { scopes: READ },
    schema: { tags, summary: 'List sales locations (cursor = location_id)', params: Aid, querystring: ListQuery, response: { 200: z.array(LocationResponseSchema), ...errors } },
  }, (req) => {
    const q: Record<string, unknown> = req.query;
    return locations.listLocations(req.params.aid, {
      limit: req.query.limit,
      starting_after: req.query.starting_after,
      search: req.query.search,
      status: listParam(q, 'status'),
      country: listParam(q, 'country'),
      phone_number: listParam(q, 'phone_number'),
      organization_number: listParam(q, 'organization_number'),
      email: listParam(q, 'email'),
      type: listParam(q, 'type'),
    });
  });

  app.post('/v1/accounts/:aid/locations', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a sales location', params: Aid, body: LocationPostSchema, response: { 200: LocationResponseSchema, ...errors } },
  }, (req) => locations.createLocation(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/locations/:lid', {
    config: { scopes: READ },
    schema: { tags, summary: 'A sales location', params: LocationParams, response: { 200: LocationResponseSchema, ...errors } },
  }, (req) => locations.getLocation(req.params.aid, req.params.lid));

  app.put('/v1/accounts/:aid/locations/:lid', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a sales location (fields given change, others stay)', params: LocationParams, body: LocationPutSchema, response: { 200: LocationResponseSchema, ...errors } },
  }, (req) => locations.updateLocation(actorOf(req), req.params.lid, req.body));

  app.delete('/v1/accounts/:aid/locations/:lid', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a sales location', params: LocationParams, response: { 200: LocationResponseSchema, ...errors } },
  }, (req) => locations.deleteLocation(actorOf(req), req.params.lid));
}
