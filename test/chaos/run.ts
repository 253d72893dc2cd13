/**
 * `npm run chaos -- --trials N [--seed S] [--db sqlite|postgres]`: runs chaos trials (trial.ts)
 * outside vitest, on one database or both (PostgreSQL through test/pg/with-postgres.sh, which the
 * npm script wraps around this). With --seed, the trials are S, S+1, …; without, a random start.
 * Stops at the first failing trial and prints its seed, what happened and what was found.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './suite.ts';
import type { ChaosDbName } from './harness.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    seed: { type: 'string' },
    db: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const trials = Number.parseInt(values.trials, 10);
if (!Number.isInteger(trials) || trials < 1) throw new Error('--trials takes a positive whole number');
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number.parseInt(values.seed, 10);
const dbs: ChaosDbName[] = values.db === undefined ? (process.env.TEST_PG_URL === undefined ? ['sqlite'] : ['sqlite', 'postgres']) : values.db === 'sqlite' || values.db === 'postgres' ? [values.db] : [];
if (dbs.length === 0) throw new Error('--db is sqlite or postgres');

let failed = false;
for (const db of dbs) {
  const summary = await runChaos({ db, trials, firstSeed: seed, log: values.verbose ? (l) => console.log(`  ${l}`) : undefined, progress: (l) => console.log(l) });
  if (summary.failure !== null) failed = true;
}
process.exit(failed ? 1 : 0);
