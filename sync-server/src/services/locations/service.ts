/**
 * Sales locations (contract §2.1, §2.3).
 * - `location_id` defaults to a random UUID and is unique among the account's live locations;
 *   a deleted location's id may be used again. A duplicate is a 400.
 * - PUT changes the fields it carries (a partial update, like customers), never the location_id.
 * - DELETE is soft; a deleted location is 404 to every later call and left out of lists.
 * - Lists are ordered by location_id (byte-wise); `starting_after` = the last location_id.
 *   `search` is a case-insensitive prefix of name, business name or email, or a prefix of phone
 *   or organisation number; the array filters match exactly (email case-insensitively).
 * - Every write enqueues its webhook (`location_add|update|delete`, payload `{location}`) in the
 *   write's transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Clock } from '../../clock.ts';
import { timeOrderedId } from '../../db/ids.ts';
import type { Database } from '../../db/schema.ts';
import type { LocationsTable } from '../../db/tables/customers.ts';
import { badRequest, notFound } from '../../errors.ts';
import { enqueueEvents } from '../webhooks/outbox.ts';
import type { LocationRepo } from './repo.ts';
import { StoredLocationSchema, type LocationPost, type LocationPut, type LocationResponse, type StoredLocation } from './schemas.ts';

export interface Actor {
  accountId: string;
  clientId: string;
}

export interface LocationListQuery {
  limit: number;
  starting_after?: string | undefined;
  search?: string | undefined;
  status?: string[] | undefined;
  country?: string[] | undefined;
  phone_number?: string[] | undefined;
  organization_number?: string[] | undefined;
  email?: string[] | undefined;
  type?: string[] | undefined;
}

const fold = (s: string): string => s.normalize('NFC').toLowerCase();
const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

function columns(b: StoredLocation) {
  return {
    status: orNull(b.status),
    type: orNull(b.type),
    country: orNull(b.address?.country),
    phone_number: orNull(b.phone_number),
    email_search: b.email === undefined ? null : fold(b.email),
    organization_number: orNull(b.organization_number),
    name_search: b.name === undefined ? null : fold(b.name),
    business_name_search: b.business_name === undefined ? null : fold(b.business_name),
    body: JSON.stringify(b),
  };
}

function toResponse(row: LocationsTable): LocationResponse {
  return {
    id: row.id,
    account_id: row.account_id,
    location_id: row.location_id,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    deleted_at: row.deleted_at ?? undefined,
    deleted_by: row.deleted_by ?? undefined,
    ...StoredLocationSchema.parse(JSON.parse(row.body)),
  };
}

const locationNotFound = (id: string) => notFound('LOCATION_NOT_FOUND', `location ${id} not found`);
const duplicate = () => badRequest('LOCATION_DUPLICATE', 'a location with this location_id already exists');

export function createLocationService(repo: LocationRepo, clock: Clock) {
  /** Runs a write; a unique index a racing writer hit is the same 400 as the service's own check. */
  async function write<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    try {
      return await repo.transaction(fn);
    } catch (e) {
      if (repo.isDuplicate(e)) throw duplicate();
      throw e;
    }
  }

  return {
    async listLocations(accountId: string, q: LocationListQuery): Promise<LocationResponse[]> {
      const rows = await repo.listLocations(accountId, {
        limit: q.limit,
        startingAfter: q.starting_after,
        search: q.search === undefined ? undefined : { raw: q.search, folded: fold(q.search) },
        status: q.status,
        country: q.country,
        phoneNumber: q.phone_number,
        organizationNumber: q.organization_number,
        email: q.email?.map(fold),
        type: q.type,
      });
      return rows.map(toResponse);
    },

    async createLocation(actor: Actor, body: LocationPost): Promise<LocationResponse> {
      const { location_id, ...fields } = body;
      const at = clock.now().toISOString();
      return write(async (trx) => {
        const key = location_id ?? randomUUID();
        if ((await repo.findLocation(actor.accountId, key, trx)) !== undefined) throw duplicate();
        const row: LocationsTable = {
          id: timeOrderedId(),
          account_id: actor.accountId,
          location_id: key,
          ...columns(fields),
          created_at: at,
          created_by: actor.clientId,
          updated_at: at,
          deleted_at: null,
          deleted_by: null,
        };
        await repo.insertLocation(row, trx);
        const location = toResponse(row);
        await enqueueEvents(trx, [{ accountId: actor.accountId, event: 'location_add', payload: { location } }], at);
        return location;
      });
    },

    async getLocation(accountId: string, locationId: string): Promise<LocationResponse> {
      const row = await repo.findLocation(accountId, locationId);
      if (row === undefined) throw locationNotFound(locationId);
      return toResponse(row);
    },

    async updateLocation(actor: Actor, locationId: string, body: LocationPut): Promise<LocationResponse> {
      const { location_id, account_id: _a, id: _i, created_at: _c, created_by: _cb, updated_at: _u, deleted_at: _d, deleted_by: _db, ...fields } = body;
      if (location_id !== undefined && location_id !== locationId) throw badRequest('LOCATION_ID_IMMUTABLE', 'location_id cannot be changed');
      const at = clock.now().toISOString();
      return write(async (trx) => {
        const row = await repo.findLocation(actor.accountId, locationId, trx, true);
        if (row === undefined) throw locationNotFound(locationId);
        const next = { ...StoredLocationSchema.parse(JSON.parse(row.body)), ...fields };
        const set = { ...columns(next), updated_at: at };
        await repo.updateLocation(row.id, set, trx);
        const location = toResponse({ ...row, ...set });
        await enqueueEvents(trx, [{ accountId: actor.accountId, event: 'location_update', payload: { location } }], at);
        return location;
      });
    },

    async deleteLocation(actor: Actor, locationId: string): Promise<LocationResponse> {
      const at = clock.now().toISOString();
      return write(async (trx) => {
        const row = await repo.findLocation(actor.accountId, locationId, trx, true);
        if (row === undefined) throw locationNotFound(locationId);
        const set = { updated_at: at, deleted_at: at, deleted_by: actor.clientId };
        await repo.updateLocation(row.id, set, trx);
        const location = toResponse({ ...row, ...set });
        await enqueueEvents(trx, [{ accountId: actor.accountId, event: 'location_delete', payload: { location } }], at);
        return location;
      });
    },
  };
}

export type LocationService = ReturnType<typeof createLocationService>;
