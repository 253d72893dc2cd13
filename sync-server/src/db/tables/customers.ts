/** Tables of the Customers service (migration 0007). */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the service's tables are added
export interface CustomersTables {}
