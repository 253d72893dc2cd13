/**
 * SQL for the Customers service. Every query is scoped to an account, directly or through a
 * customer's primary key.
 *
 * Prefix filters are index ranges (`col >= p AND col < p || U+10FFFF`) over columns that compare
 * byte-wise on both databases (see migrations/0007-customers.ts), never `LIKE`, whose case rules
 * and index use differ between SQLite and PostgreSQL.
 *
 * Concurrency on PostgreSQL: a write locks the customer row it changes (`lock`), phone numbers
 * and generated sequence ids are serialised with transaction-scoped advisory locks, and every
 * other uniqueness rule is a unique index whose violation the service turns into a 400. SQLite
 * runs one writer at a time and needs none of the locks.
 */
import { sql, type ExpressionBuilder, type Expression, type Kysely, type SqlBool, type Transaction, type Updateable } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type {
  CustomerAttributesTable,
  CustomersTable,
  CustomerSettingsTable,
  CustomerTagsTable,
  CustomerTermsTable,
  CustomerTokenEventsTable,
  CustomerTokensTable,
  CustomerTokenSubjectsTable,
  CustomerVerificationsTable,
} from '../../db/tables/customers.ts';
import type { Database } from '../../db/schema.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';

type Q = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;

/** Which unique rule a racing write broke. */
export type Duplicate = 'customer_id' | 'email' | 'token_value' | 'token_id';

/** The greatest code point: `p + TOP` bounds every string that starts with `p`. */
const TOP = '\u{10FFFF}';

export interface CustomerFilter {
  /** Already case-folded. */
  emailPrefix?: string | undefined;
  phonePrefix?: string | undefined;
  /** Raw and case-folded search term. */
  search?: { raw: string; folded: string } | undefined;
  tagPk?: string | undefined;
  tokenTypePrefix?: string | undefined;
  tokenValuePrefix?: string | undefined;
  /** Pairs: a key alone requires the attribute, a key with a value requires that value. */
  attributes: ReadonlyArray<{ key: string; value?: string | undefined }>;
  /** `undefined`: every type but contact; `any`: all; else one type. */
  type?: string | undefined;
  includeDeleted: boolean;
}

export interface CustomerPage {
  limit: number;
  startingAfter?: string | undefined;
  sinceDatetime?: string | undefined;
}

export interface TokenFilter {
  type?: string | undefined;
  includeDeleted: boolean;
  limit: number;
  startingAfter?: string | undefined;
}

export interface SubjectPage {
  limit: number;
  startingAfter?: string | undefined;
  sinceDatetime?: string | undefined;
  deletedSince?: string | undefined;
}

type CustomerEb = ExpressionBuilder<Database, 'customers'>;

type PrefixColumn = 'email_search' | 'phone_number' | 'customer_id' | 'full_name_search' | 'last_name_search';

function startsWith(eb: CustomerEb, col: PrefixColumn, p: string): Expression<SqlBool> {
  return eb.and([eb(col, '>=', p), eb(col, '<', `${p}${TOP}`)]);
}

export function createCustomerRepo(db: Db) {
  const k = db.kysely;
  const postgres = db.dialect === 'postgres';

  /** The filters of GET /customers/users that do not depend on the type (contacts are matched by them too). */
  function matches(accountId: string, f: CustomerFilter) {
    return (eb: CustomerEb): Expression<SqlBool> => {
      const all: Expression<SqlBool>[] = [eb('account_id', '=', accountId)];
      if (!f.includeDeleted) all.push(eb('deleted_at', 'is', null));
      if (f.emailPrefix !== undefined) all.push(startsWith(eb, 'email_search', f.emailPrefix));
      if (f.phonePrefix !== undefined) all.push(startsWith(eb, 'phone_number', f.phonePrefix));
      if (f.search !== undefined) {
        const { raw, folded } = f.search;
        all.push(eb.or([
          startsWith(eb, 'full_name_search', folded),
          startsWith(eb, 'last_name_search', folded),
          startsWith(eb, 'email_search', folded),
          startsWith(eb, 'phone_number', raw),
          startsWith(eb, 'customer_id', raw),
        ]));
      }
      if (f.tagPk !== undefined) {
        all.push(eb('id', 'in', eb.selectFrom('customer_tag_links').select('customer_pk').where('account_id', '=', accountId).where('tag_pk', '=', f.tagPk)));
      }
      if (f.tokenTypePrefix !== undefined || f.tokenValuePrefix !== undefined) {
        // By customer_id (tokens carry their owner's): with account_id that is the (account_id,
        // customer_id) key, so the planner looks the few holders up in list order instead of
        // walking every customer of the account.
        let tokens = eb.selectFrom('customer_tokens').select('customer_id').where('account_id', '=', accountId).where('deleted_at', 'is', null);
        if (f.tokenTypePrefix !== undefined) tokens = tokens.where('type', '>=', f.tokenTypePrefix).where('type', '<', `${f.tokenTypePrefix}${TOP}`);
        if (f.tokenValuePrefix !== undefined) tokens = tokens.where('value', '>=', f.tokenValuePrefix).where('value', '<', `${f.tokenValuePrefix}${TOP}`);
        all.push(eb('customer_id', 'in', tokens));
      }
      for (const a of f.attributes) {
        let attrs = eb.selectFrom('customer_attributes').select('customer_pk').where('account_id', '=', accountId).where('key', '=', a.key);
        if (a.value !== undefined) attrs = attrs.where('value', '=', a.value);
        all.push(eb('id', 'in', attrs));
      }
      return eb.and(all);
    };
  }

  /**
   * The full list condition: matching users of the asked type; with `type=contact|any`, also the
   * users a matching contact is a contact for (contract §2.2).
   */
  function listCondition(accountId: string, f: CustomerFilter) {
    const match = matches(accountId, f);
    return (eb: CustomerEb): Expression<SqlBool> => {
      const ofType = f.type === undefined ? eb('type', '<>', 'contact') : f.type === 'any' ? eb.lit(true) : eb('type', '=', f.type);
      const direct = eb.and([match(eb), ofType]);
      if (f.type !== 'contact' && f.type !== 'any') return direct;
      const contacts = eb.selectFrom('customers').select('id').where(match).where('type', '=', 'contact');
      const linked = eb.selectFrom('customer_contacts').select('customer_id').where('account_id', '=', accountId).where('contact_pk', 'in', contacts);
      const live = f.includeDeleted ? eb.lit(true) : eb('deleted_at', 'is', null);
      return eb.or([direct, eb.and([eb('account_id', '=', accountId), live, eb('customer_id', 'in', linked)])]);
    };
  }

  return {
    dialect: db.dialect,

    transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    /** The unique rule of this service a racing duplicate broke; undefined for any other error (another service's included). */
    duplicate(e: unknown): Duplicate | undefined {
      // PostgreSQL names the index; SQLite names the columns ("… failed: customers.account_id, customers.type, …").
      const where = uniqueViolation(e);
      if (where === undefined) return undefined;
      if (/customer_keys|customers_account_key|customers\.customer_id/.test(where)) return 'customer_id';
      if (/customers_email_per_type|customers\.email_search/.test(where)) return 'email';
      if (/customer_tokens_live_value|customer_tokens\.value/.test(where)) return 'token_value';
      if (/customer_tokens_live_id|customer_tokens\.token_id/.test(where)) return 'token_id';
      return undefined;
    },

    /** Serialises writers of one key (a phone number, the id sequence) until the transaction ends; PostgreSQL only. */
    async lockKey(key: string, q: Trx): Promise<void> {
      if (postgres) await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(q);
    },

    // ------------------------------------------------------------ customers

    /** A customer by key, deleted or not; `lock` takes the row for update (PostgreSQL). */
    findCustomer(accountId: string, customerId: string, q: Q = k, lock = false): Promise<CustomersTable | undefined> {
      const qb = q.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('customer_id', '=', customerId);
      return (lock && postgres ? qb.forUpdate() : qb).executeTakeFirst();
    },

    customersByPks: (accountId: string, pks: readonly string[], q: Q = k): Promise<CustomersTable[]> =>
      pks.length === 0 ? Promise.resolve([]) : q.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('id', 'in', [...pks]).execute(),

    /** Whether a customer_id was ever used in the account (keys are never reused). */
    async customerIdTaken(accountId: string, customerId: string, q: Q): Promise<boolean> {
      const row = await q.selectFrom('customer_keys').select('customer_pk').where('account_id', '=', accountId).where('customer_id', '=', customerId).executeTakeFirst();
      return row !== undefined;
    },

    /** Records a customer_id as used; a racing duplicate hits the primary key. */
    recordKey: async (accountId: string, customerId: string, customerPk: string, at: string, q: Q): Promise<void> => {
      await q.insertInto('customer_keys').values({ account_id: accountId, customer_id: customerId, customer_pk: customerPk, created_at: at }).execute();
    },

    async emailTaken(accountId: string, type: string, emailSearch: string, exceptPk: string | null, q: Q): Promise<boolean> {
      let qb = q.selectFrom('customers').select('id').where('account_id', '=', accountId).where('type', '=', type).where('email_search', '=', emailSearch).where('deleted_at', 'is', null);
      if (exceptPk !== null) qb = qb.where('id', '<>', exceptPk);
      return (await qb.executeTakeFirst()) !== undefined;
    },

    async phoneTaken(accountId: string, phone: string, exceptPk: string | null, q: Q): Promise<boolean> {
      let qb = q.selectFrom('customers').select('id').where('account_id', '=', accountId).where('phone_number', '=', phone).where('deleted_at', 'is', null);
      if (exceptPk !== null) qb = qb.where('id', '<>', exceptPk);
      return (await qb.executeTakeFirst()) !== undefined;
    },

    /** Every customer_id of the account that is a plain number (to start the `sequence` format). */
    async numericCustomerIds(accountId: string, q: Q): Promise<string[]> {
      const rows = await q.selectFrom('customer_keys').select('customer_id').where('account_id', '=', accountId).where('customer_id', '>=', '0').where('customer_id', '<', ':').execute();
      return rows.map((r) => r.customer_id).filter((id) => /^\d{1,15}$/.test(id));
    },

    insertCustomer: async (row: CustomersTable, q: Q): Promise<void> => {
      await q.insertInto('customers').values(row).execute();
    },

    updateCustomer: async (pk: string, set: Updateable<CustomersTable>, q: Q): Promise<void> => {
      await q.updateTable('customers').set(set).where('id', '=', pk).execute();
    },

    async replaceAttributes(accountId: string, pk: string, rows: ReadonlyArray<Pick<CustomerAttributesTable, 'key' | 'value'>>, q: Q): Promise<void> {
      await q.deleteFrom('customer_attributes').where('customer_pk', '=', pk).execute();
      if (rows.length > 0) await q.insertInto('customer_attributes').values(rows.map((r) => ({ account_id: accountId, customer_pk: pk, key: r.key, value: r.value }))).execute();
    },

    async replaceContacts(accountId: string, pk: string, customerIds: readonly string[], q: Q): Promise<void> {
      await q.deleteFrom('customer_contacts').where('contact_pk', '=', pk).execute();
      const ids = [...new Set(customerIds)];
      if (ids.length > 0) await q.insertInto('customer_contacts').values(ids.map((customer_id) => ({ account_id: accountId, contact_pk: pk, customer_id }))).execute();
    },

    /** Removes what hangs off a deleted customer: attributes, contact links, tags, verification codes. */
    async wipeCustomerData(pk: string, q: Q): Promise<void> {
      await q.deleteFrom('customer_attributes').where('customer_pk', '=', pk).execute();
      await q.deleteFrom('customer_contacts').where('contact_pk', '=', pk).execute();
      await q.deleteFrom('customer_tag_links').where('customer_pk', '=', pk).execute();
      await q.deleteFrom('customer_verifications').where('customer_pk', '=', pk).execute();
    },

    listCustomers(accountId: string, f: CustomerFilter, page: CustomerPage, q: Q = k): Promise<CustomersTable[]> {
      const qb = q.selectFrom('customers').selectAll().where(listCondition(accountId, f));
      if (page.sinceDatetime !== undefined) {
        return qb.where('updated_at', '>=', page.sinceDatetime).orderBy('updated_at').orderBy('id').limit(page.limit).execute();
      }
      const after = page.startingAfter;
      return (after === undefined ? qb : qb.where('customer_id', '>', after)).orderBy('customer_id').limit(page.limit).execute();
    },

    async countCustomers(accountId: string, f: CustomerFilter, sinceDatetime: string | undefined, q: Q = k): Promise<number> {
      let qb = q.selectFrom('customers').select((eb) => eb.fn.countAll<number | string>().as('n')).where(listCondition(accountId, f));
      if (sinceDatetime !== undefined) qb = qb.where('updated_at', '>=', sinceDatetime);
      return Number((await qb.executeTakeFirstOrThrow()).n);
    },

    /** HEAD /customers/users: is there a live user (not a contact) with exactly this email and/or phone? */
    async userExists(accountId: string, emailSearch: string | undefined, phone: string | undefined, q: Q = k): Promise<boolean> {
      let qb = q.selectFrom('customers').select('id').where('account_id', '=', accountId).where('deleted_at', 'is', null).where('type', '<>', 'contact');
      if (emailSearch !== undefined) qb = qb.where('email_search', '=', emailSearch);
      if (phone !== undefined) qb = qb.where('phone_number', '=', phone);
      return (await qb.limit(1).executeTakeFirst()) !== undefined;
    },

    // ------------------------------------------------------------ tokens

    liveTokenByValue: (accountId: string, type: string, value: string, q: Q = k): Promise<CustomerTokensTable | undefined> =>
      q.selectFrom('customer_tokens').selectAll().where('account_id', '=', accountId).where('type', '=', type).where('value', '=', value).where('deleted_at', 'is', null).executeTakeFirst(),

    liveTokenById: (accountId: string, tokenId: string, q: Q = k): Promise<CustomerTokensTable | undefined> =>
      q.selectFrom('customer_tokens').selectAll().where('account_id', '=', accountId).where('token_id', '=', tokenId).where('deleted_at', 'is', null).executeTakeFirst(),

    liveTokensOf: (customerPks: readonly string[], q: Q = k): Promise<CustomerTokensTable[]> =>
      customerPks.length === 0
        ? Promise.resolve([])
        : q.selectFrom('customer_tokens').selectAll().where('customer_pk', 'in', [...customerPks]).where('deleted_at', 'is', null).orderBy('customer_pk').orderBy('token_id').execute(),

    listTokens(customerPk: string, f: TokenFilter, q: Q = k): Promise<CustomerTokensTable[]> {
      let qb = q.selectFrom('customer_tokens').selectAll().where('customer_pk', '=', customerPk);
      if (!f.includeDeleted) qb = qb.where('deleted_at', 'is', null);
      if (f.type !== undefined) qb = qb.where('type', '=', f.type);
      // Cursor = token_id. With include_deleted, a reused token_id's older deleted rows share the
      // cursor value and are passed over together with it.
      if (f.startingAfter !== undefined) qb = qb.where('token_id', '>', f.startingAfter);
      return qb.orderBy('token_id').orderBy('id').limit(f.limit).execute();
    },

    async countTokens(customerPk: string, f: TokenFilter, q: Q = k): Promise<number> {
      let qb = q.selectFrom('customer_tokens').select((eb) => eb.fn.countAll<number | string>().as('n')).where('customer_pk', '=', customerPk);
      if (!f.includeDeleted) qb = qb.where('deleted_at', 'is', null);
      if (f.type !== undefined) qb = qb.where('type', '=', f.type);
      return Number((await qb.executeTakeFirstOrThrow()).n);
    },

    insertToken: async (row: CustomerTokensTable, q: Q): Promise<void> => {
      await q.insertInto('customer_tokens').values(row).execute();
    },

    softDeleteTokens: async (pks: readonly string[], at: string, by: string, q: Q): Promise<void> => {
      if (pks.length === 0) return;
      await q.updateTable('customer_tokens').set({ deleted_at: at, deleted_by: by, updated_at: at }).where('id', 'in', [...pks]).execute();
    },

    setTokensOwnerKey: async (customerPk: string, customerId: string, q: Q): Promise<void> => {
      await q.updateTable('customer_tokens').set({ customer_id: customerId }).where('customer_pk', '=', customerPk).execute();
    },

    // ------------------------------------------------------------ settings

    settings: (accountId: string, q: Q = k, lock = false): Promise<CustomerSettingsTable | undefined> => {
      const qb = q.selectFrom('customer_settings').selectAll().where('account_id', '=', accountId);
      return (lock && postgres ? qb.forUpdate() : qb).executeTakeFirst();
    },

    async saveSettings(row: CustomerSettingsTable, q: Q): Promise<void> {
      await q
        .insertInto('customer_settings')
        .values(row)
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ settings: row.settings, updated_at: row.updated_at, updated_by: row.updated_by }))
        .execute();
    },

    setLastSequence: async (accountId: string, n: number, q: Q): Promise<void> => {
      await q.updateTable('customer_settings').set({ last_sequence: n }).where('account_id', '=', accountId).execute();
    },

    // ------------------------------------------------------------ tags

    liveTags: (accountId: string, q: Q = k): Promise<CustomerTagsTable[]> =>
      q.selectFrom('customer_tags').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null).orderBy('id').execute(),

    tagsByIds: (accountId: string, ids: readonly string[], q: Q = k): Promise<CustomerTagsTable[]> =>
      ids.length === 0 ? Promise.resolve([]) : q.selectFrom('customer_tags').selectAll().where('account_id', '=', accountId).where('id', 'in', [...ids]).execute(),

    insertTag: async (row: CustomerTagsTable, q: Q): Promise<void> => {
      await q.insertInto('customer_tags').values(row).execute();
    },

    async deleteTag(pk: string, at: string, by: string, q: Q): Promise<void> {
      await q.deleteFrom('customer_tag_links').where('tag_pk', '=', pk).execute();
      await q.updateTable('customer_tags').set({ deleted_at: at, deleted_by: by, updated_at: at }).where('id', '=', pk).execute();
    },

    tagsOf: (customerPk: string, q: Q = k): Promise<CustomerTagsTable[]> =>
      q
        .selectFrom('customer_tag_links as l')
        .innerJoin('customer_tags as t', 't.id', 'l.tag_pk')
        .selectAll('t')
        .where('l.customer_pk', '=', customerPk)
        .where('t.deleted_at', 'is', null)
        .orderBy('t.id')
        .execute(),

    async replaceTags(accountId: string, customerPk: string, tagPks: readonly string[], at: string, q: Q): Promise<void> {
      await q.deleteFrom('customer_tag_links').where('customer_pk', '=', customerPk).execute();
      const ids = [...new Set(tagPks)];
      if (ids.length > 0) await q.insertInto('customer_tag_links').values(ids.map((tag_pk) => ({ account_id: accountId, customer_pk: customerPk, tag_pk, created_at: at }))).execute();
    },

    // ------------------------------------------------------------ terms

    findTerms: (accountId: string, id: string, q: Q = k): Promise<CustomerTermsTable | undefined> =>
      q.selectFrom('customer_terms').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    listTerms(accountId: string, p: { limit: number; startingAfter?: string | undefined; includeDeleted: boolean }, q: Q = k): Promise<CustomerTermsTable[]> {
      let qb = q.selectFrom('customer_terms').selectAll().where('account_id', '=', accountId);
      if (!p.includeDeleted) qb = qb.where('deleted_at', 'is', null);
      if (p.startingAfter !== undefined) qb = qb.where('id', '>', p.startingAfter);
      return qb.orderBy('id').limit(p.limit).execute();
    },

    insertTerms: async (row: CustomerTermsTable, q: Q): Promise<void> => {
      await q.insertInto('customer_terms').values(row).execute();
    },

    softDeleteTerms: async (pk: string, at: string, by: string, q: Q): Promise<void> => {
      await q.updateTable('customer_terms').set({ deleted_at: at, deleted_by: by, updated_at: at }).where('id', '=', pk).execute();
    },

    // ------------------------------------------------------------ token events

    findSubject: (accountId: string, type: string, value: string, q: Q = k): Promise<CustomerTokenSubjectsTable | undefined> =>
      q.selectFrom('customer_token_subjects').selectAll().where('account_id', '=', accountId).where('token_type', '=', type).where('token_value', '=', value).executeTakeFirst(),

    /** The subject of (type, value), created if it has none; concurrent creators meet on the unique key. */
    async ensureSubject(row: CustomerTokenSubjectsTable, q: Trx): Promise<CustomerTokenSubjectsTable> {
      await q
        .insertInto('customer_token_subjects')
        .values(row)
        .onConflict((oc) => oc.columns(['account_id', 'token_type', 'token_value']).doNothing())
        .execute();
      return q
        .selectFrom('customer_token_subjects')
        .selectAll()
        .where('account_id', '=', row.account_id)
        .where('token_type', '=', row.token_type)
        .where('token_value', '=', row.token_value)
        .executeTakeFirstOrThrow();
    },

    touchSubject: async (pk: string, set: Updateable<CustomerTokenSubjectsTable>, q: Q): Promise<void> => {
      await q.updateTable('customer_token_subjects').set(set).where('id', '=', pk).execute();
    },

    insertTokenEvent: async (row: CustomerTokenEventsTable, q: Q): Promise<void> => {
      await q.insertInto('customer_token_events').values(row).execute();
    },

    /** Marks the live events of a subject cleared; returns how many there were. */
    async clearTokenEvents(subjectPk: string, at: string, q: Q): Promise<number> {
      const res = await q.updateTable('customer_token_events').set({ cleared_at: at }).where('subject_pk', '=', subjectPk).where('cleared_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    /** Live (not cleared) events of subjects, oldest first. */
    liveEventsOf: (subjectPks: readonly string[], q: Q = k): Promise<CustomerTokenEventsTable[]> =>
      subjectPks.length === 0
        ? Promise.resolve([])
        : q.selectFrom('customer_token_events').selectAll().where('subject_pk', 'in', [...subjectPks]).where('cleared_at', 'is', null).orderBy('subject_pk').orderBy('id').execute(),

    listSubjects(accountId: string, p: SubjectPage, q: Q = k): Promise<CustomerTokenSubjectsTable[]> {
      let qb = q.selectFrom('customer_token_subjects').selectAll().where('account_id', '=', accountId);
      if (p.deletedSince !== undefined) {
        qb = qb.where('deleted_at', '>=', p.deletedSince);
      } else {
        qb = qb.where((eb) => eb.exists(eb.selectFrom('customer_token_events as e').select('e.id').whereRef('e.subject_pk', '=', 'customer_token_subjects.id').where('e.cleared_at', 'is', null)));
      }
      if (p.sinceDatetime !== undefined) return qb.where('updated_at', '>=', p.sinceDatetime).orderBy('updated_at').orderBy('id').limit(p.limit).execute();
      if (p.startingAfter !== undefined) qb = qb.where('id', '>', p.startingAfter);
      return qb.orderBy('id').limit(p.limit).execute();
    },

    // ------------------------------------------------------------ verification codes

    insertVerification: async (row: CustomerVerificationsTable, q: Q): Promise<void> => {
      await q.insertInto('customer_verifications').values(row).execute();
    },

    /** Voids every unused code of a customer's field (a new code replaces them). */
    spendVerifications: async (customerPk: string, field: string, at: string, q: Q): Promise<void> => {
      await q.updateTable('customer_verifications').set({ spent_at: at }).where('customer_pk', '=', customerPk).where('field', '=', field).where('spent_at', 'is', null).execute();
    },

    /** The newest unused code of a customer's field, locked for the check (PostgreSQL). */
    liveVerification(customerPk: string, field: string, q: Trx): Promise<CustomerVerificationsTable | undefined> {
      const qb = q.selectFrom('customer_verifications').selectAll().where('customer_pk', '=', customerPk).where('field', '=', field).where('spent_at', 'is', null).orderBy('id', 'desc').limit(1);
      return (postgres ? qb.forUpdate() : qb).executeTakeFirst();
    },

    updateVerification: async (id: string, set: Updateable<CustomerVerificationsTable>, q: Q): Promise<void> => {
      await q.updateTable('customer_verifications').set(set).where('id', '=', id).execute();
    },
  };
}

export type CustomerRepo = ReturnType<typeof createCustomerRepo>;
