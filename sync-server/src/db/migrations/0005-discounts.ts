/**
 * Discounts service (contract §3): campaigns, rules, refs (grants), the usage ledger with its
 * running totals, claims, customer tokens for resolving `receipt.customer.token`, event
 * deliveries, and automations with their run log.
 *
 * Also the change feed for the tills' `discount_rules` collection (see 0004-sync.ts): a write to
 * a rule, to a wildcard ref (`*` or `/`, stored with a null customer_id) or a usage entry of a
 * wildcard ref records a change for the rule's document. Ref and usage rows carry the rule's
 * primary key (`discount_pk`) so the trigger only has to copy a column.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { entityColumns, ts } from './types.ts';

/** Source table → (column holding the rule id, condition on NEW for rows that matter to tills). */
export const DISCOUNT_CHANGE_SOURCES: ReadonlyArray<{ table: string; docColumn: string; when: string | null; events: ReadonlyArray<'insert' | 'update'> }> = [
  { table: 'discount_rules', docColumn: 'id', when: null, events: ['insert', 'update'] },
  { table: 'discount_refs', docColumn: 'discount_pk', when: 'NEW.customer_id IS NULL', events: ['insert', 'update'] },
  { table: 'discount_usages', docColumn: 'discount_pk', when: "NEW.ref_grant <> 'customer'", events: ['insert'] },
];

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

    // Campaign keys are unique outright: a deleted campaign is undeleted by PUT, never re-created.
    await db.schema
      .createTable('discount_campaigns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('private', 'integer', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .$call(entityColumns)
      .addUniqueConstraint('discount_campaigns_account_key', ['account_id', 'campaign_id'])
      .execute();

    // `id` is a UUIDv7, so ordering by it (the list cursor) is creation order.
    await db.schema
      .createTable('discount_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('campaign_id', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('private', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('purchase_from', ts, (c) => c.notNull())
      .addColumn('purchase_to', ts, (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('discount_rules_account').on('discount_rules').columns(['account_id', 'id']).execute();
    await db.schema.createIndex('discount_rules_account_updated').on('discount_rules').columns(['account_id', 'updated_at', 'id']).execute();

    // Bumped by every rule write: server nodes compare it to know their prepared rules are stale.
    await db.schema
      .createTable('discount_rule_versions')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();

    // A ref is one grant of a rule: to a customer, to `*` (any purchase with a customer) or to `/`
    // (purchases without one); wildcard refs have a null customer_id.
    await db.schema
      .createTable('discount_refs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('discount_pk', 'text', (c) => c.notNull().references('discount_rules.id'))
      .addColumn('customer_key', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('grant_kind', 'text', (c) => c.notNull())
      .addColumn('offering_constraint_id', 'text')
      .addColumn('automation_id', 'text')
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('discount_refs_customer').on('discount_refs').columns(['account_id', 'customer_key', 'id']).execute();
    await db.schema.createIndex('discount_refs_rule').on('discount_refs').columns(['discount_pk', 'id']).execute();
    await db.schema
      .createIndex('discount_refs_offering')
      .on('discount_refs')
      .columns(['discount_pk', 'customer_key', 'offering_constraint_id'])
      .unique()
      .where(sql<boolean>`offering_constraint_id is not null`)
      .execute();
    await db.schema
      .createIndex('discount_refs_one_wildcard')
      .on('discount_refs')
      .columns(['discount_pk', 'customer_key'])
      .unique()
      .where(sql<boolean>`customer_id is null and deleted_at is null`)
      .execute();

    // The usage ledger: only ever inserted. `buyer_key` is the customer who bought ('/' for
    // anonymous purchases); (ref_id, buyer_key, ref_type, ref) is the idempotency key, so a replayed
    // receipt, claim or manual usage adds nothing. `seq` orders one holder's entries.
    await db.schema
      .createTable('discount_usages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('discount_pk', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull().references('discount_refs.id'))
      .addColumn('ref_grant', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('buyer_key', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull())
      .addColumn('ref_type', 'text', (c) => c.notNull())
      .addColumn('usage', 'bigint', (c) => c.notNull())
      .addColumn('stamp', 'bigint', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('bonus', 'bigint', (c) => c.notNull())
      .addColumn('debit', 'bigint', (c) => c.notNull())
      .addColumn('reverses', 'text')
      .addColumn('purchase_at', ts, (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('discount_usages_idempotency', ['ref_id', 'buyer_key', 'ref_type', 'ref'])
      .addUniqueConstraint('discount_usages_holder_seq', ['ref_id', 'buyer_key', 'seq'])
      .execute();
    await db.schema.createIndex('discount_usages_reverses').on('discount_usages').column('reverses').where(sql<boolean>`reverses is not null`).execute();

    // Running totals of the ledger, written in the same transaction as each entry: one row per
    // holder (ref_id, buyer_key), one per ref over all its holders (buyer_key ''), one per rule
    // (ref_id ''). Reads of statistics are one row each, however long the ledger grows. A holder
    // row also keeps its stamp card: the stamp events still on it (not yet used by a reward).
    await db.schema
      .createTable('discount_totals')
      .addColumn('discount_pk', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('buyer_key', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('usage', 'bigint', (c) => c.notNull())
      .addColumn('stamp', 'bigint', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('bonus', 'bigint', (c) => c.notNull())
      .addColumn('debit', 'bigint', (c) => c.notNull())
      .addColumn('holders', 'bigint', (c) => c.notNull())
      .addColumn('entries', 'bigint', (c) => c.notNull())
      .addColumn('card', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('discount_totals_pk', ['discount_pk', 'ref_id', 'buyer_key'])
      .execute();

    await db.schema
      .createTable('discount_claims')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('ref', 'text')
      .addColumn('type', 'text')
      .addColumn('purchase_at', ts, (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('discounts', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('deleted_at', ts)
      .addColumn('deleted_by', 'text')
      .execute();
    await db.schema.createIndex('discount_claims_ref').on('discount_claims').columns(['account_id', 'ref']).unique().where(sql<boolean>`ref is not null`).execute();
    await db.schema.createIndex('discount_claims_account').on('discount_claims').columns(['account_id', 'id']).execute();

    // Customer tokens seen in token_add events, to resolve `receipt.customer.token`.
    await db.schema
      .createTable('discount_customer_tokens')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('token_type', 'text', (c) => c.notNull())
      .addColumn('token_value', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text')
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('removed_at', ts)
      .addPrimaryKeyConstraint('discount_customer_tokens_pk', ['account_id', 'token_type', 'token_value'])
      .execute();
    await db.schema.createIndex('discount_customer_tokens_id').on('discount_customer_tokens').columns(['account_id', 'token_id']).execute();
    await db.schema.createIndex('discount_customer_tokens_value').on('discount_customer_tokens').columns(['account_id', 'token_value']).execute();

    await db.schema
      .createTable('discount_event_deliveries')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('discount_event_deliveries_pk', ['account_id', 'delivery_id'])
      .execute();

    await db.schema
      .createTable('automations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('automation_from', ts, (c) => c.notNull())
      .addColumn('automation_to', ts, (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('automations_account').on('automations').columns(['account_id', 'id']).execute();

    // One row per automation run: (automation, event) is unique so a replayed event runs nothing
    // twice; counting a customer's rows enforces automation_repeat.
    await db.schema
      .createTable('automation_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('automation_pk', 'text', (c) => c.notNull().references('automations.id'))
      .addColumn('customer_key', 'text', (c) => c.notNull())
      .addColumn('event_key', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addUniqueConstraint('automation_runs_event', ['automation_pk', 'event_key'])
      .execute();
    await db.schema.createIndex('automation_runs_customer').on('automation_runs').columns(['automation_pk', 'customer_key']).execute();

    if (postgres) {
      // sync_record_change() comes from 0004: (collection, column holding the document id).
      for (const s of DISCOUNT_CHANGE_SOURCES) {
        const on = s.events.map((e) => e.toUpperCase()).join(' OR ');
        await sql`CREATE TRIGGER ${sql.id(`sync_${s.table}`)} AFTER ${sql.raw(on)} ON ${sql.table(s.table)}
          FOR EACH ROW ${s.when === null ? sql`` : sql`WHEN (${sql.raw(s.when)})`}
          EXECUTE FUNCTION sync_record_change('discount_rules', ${sql.lit(s.docColumn)})`.execute(db);
      }
      return;
    }
    for (const s of DISCOUNT_CHANGE_SOURCES) {
      for (const event of s.events) {
        await sql`CREATE TRIGGER ${sql.id(`sync_${s.table}_${event}`)} AFTER ${sql.raw(event.toUpperCase())} ON ${sql.table(s.table)}
          ${s.when === null ? sql`` : sql`WHEN ${sql.raw(s.when)}`}
          BEGIN
            INSERT INTO sync_changes (txid, account_id, collection, doc_id, created_at)
            VALUES (0, NEW.account_id, 'discount_rules', NEW.${sql.id(s.docColumn)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
          END`.execute(db);
      }
    }
  },
};
