/**
 * The chaos suite in the test run: CHAOS_TRIALS trials (default 200) per database, on SQLite and
 * on PostgreSQL (dbTargets()). Seeds start at CHAOS_SEED, by default a fixed one per database, so
 * CI replays the same plans every run (timing still varies) and a red run is never a new seed's
 * bad luck; `npm run chaos` explores new seeds. A failure names the seed that replays it
 * (`npm run chaos -- --seed <n> --trials 1 --db <db>`). The first failing trial fails the test.
 */
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { describeFailure, runChaos } from './suite.ts';

const trials = Number.parseInt(process.env.CHAOS_TRIALS ?? '200', 10);
const DEFAULT_SEED: Readonly<Record<string, number>> = { sqlite: 5000, postgres: 7000 };
const seedFor = (db: string): number => (process.env.CHAOS_SEED === undefined ? (DEFAULT_SEED[db] ?? 1) : Number.parseInt(process.env.CHAOS_SEED, 10));

describe('chaos: tills and server killed, networks cut, nothing lost or counted twice', () => {
  for (const target of dbTargets()) {
    it(
      `${trials} trials on ${target.name} from seed ${seedFor(target.name)}`,
      async () => {
        const summary = await runChaos({ db: target.name, trials, firstSeed: seedFor(target.name), progress: (line) => console.log(line) });
        if (summary.failure !== null) expect.fail(describeFailure(summary.failure, target.name));
        expect(summary.ran).toBe(trials);
      },
      // A bound, not a timing assertion: a trial that hangs fails with its seed inside runTrial first.
      Math.max(600_000, trials * 30_000),
    );
  }
});
