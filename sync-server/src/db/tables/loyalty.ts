/** Tables of the Loyalty service (migration 0009). */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the service's tables are added
export interface LoyaltyTables {}
