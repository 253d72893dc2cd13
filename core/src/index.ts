export * from './money.ts';
export * from './result.ts';
export * from './wallet/ledger.ts';
export * from './wallet/code-format.ts';
export * from './auth/scopes.ts';
export * from './contracts/common.ts';
export * from './contracts/sync.ts';
