/**
 * SQL for sales locations. Every query is scoped to an account and sees live rows only. The
 * `search` prefix is an index range over byte-wise columns, like the Customers service's.
 */
import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction, Updateable } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';
import type { LocationsTable } from '../../db/tables/customers.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';

type Q = Kysely<Database> | Transaction<Database>;

const TOP = '\u{10FFFF}';

export interface LocationFilter {
  limit: number;
  startingAfter?: string | undefined;
  /** Raw and case-folded term. */
  search?: { raw: string; folded: string } | undefined;
  status?: readonly string[] | undefined;
  country?: readonly string[] | undefined;
  phoneNumber?: readonly string[] | undefined;
  organizationNumber?: readonly string[] | undefined;
  /** Case-folded. */
  email?: readonly string[] | undefined;
  type?: readonly string[] | undefined;
}

type PrefixColumn = 'name_search' | 'business_name_search' | 'email_search' | 'phone_number' | 'organization_number';
const startsWith = (eb: ExpressionBuilder<Database, 'locations'>, col: PrefixColumn, p: string): Expression<SqlBool> => eb.and([eb(col, '>=', p), eb(col, '<', `${p}${TOP}`)]);

export function createLocationRepo(db: Db) {
  const k = db.kysely;
  return {
    transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    /** Whether an error is a racing duplicate location_id (PostgreSQL names the index, SQLite the columns). */
    isDuplicate: (e: unknown): boolean => /locations_live_key|locations\.location_id/.test(uniqueViolation(e) ?? ''),

    findLocation(accountId: string, locationId: string, q: Q = k, lock = false): Promise<LocationsTable | undefined> {
      const qb = q.selectFrom('locations').selectAll().where('account_id', '=', accountId).where('location_id', '=', locationId).where('deleted_at', 'is', null);
      return (lock && db.dialect === 'postgres' ? qb.forUpdate() : qb).executeTakeFirst();
    },

    listLocations(accountId: string, f: LocationFilter, q: Q = k): Promise<LocationsTable[]> {
      let qb = q.selectFrom('locations').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
      const search = f.search;
      if (search !== undefined) {
        qb = qb.where((eb) => eb.or([
          startsWith(eb, 'name_search', search.folded),
          startsWith(eb, 'business_name_search', search.folded),
          startsWith(eb, 'email_search', search.folded),
          startsWith(eb, 'phone_number', search.raw),
          startsWith(eb, 'organization_number', search.raw),
        ]));
      }
      if (f.status !== undefined) qb = qb.where('status', 'in', [...f.status]);
      if (f.country !== undefined) qb = qb.where('country', 'in', [...f.country]);
      if (f.phoneNumber !== undefined) qb = qb.where('phone_number', 'in', [...f.phoneNumber]);
      if (f.organizationNumber !== undefined) qb = qb.where('organization_number', 'in', [...f.organizationNumber]);
      if (f.email !== undefined) qb = qb.where('email_search', 'in', [...f.email]);
      if (f.type !== undefined) qb = qb.where('type', 'in', [...f.type]);
      if (f.startingAfter !== undefined) qb = qb.where('location_id', '>', f.startingAfter);
      return qb.orderBy('location_id').limit(f.limit).execute();
    },

    insertLocation: async (row: LocationsTable, q: Q = k): Promise<void> => {
      await q.insertInto('locations').values(row).execute();
    },

    updateLocation: async (pk: string, set: Updateable<LocationsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('locations').set(set).where('id', '=', pk).execute();
    },
  };
}

export type LocationRepo = ReturnType<typeof createLocationRepo>;
