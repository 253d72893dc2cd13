/**
 * Runs the sync server as its own process for load tests, so the load generator does not share
 * its event loop: the figures are what a client on the same machine sees. The process plumbing is
 * test/support/server-process.ts (shared with the multi-process suites).
 */
import { startServerProcess as start, type ServerProcess } from '../support/server-process.ts';

export { freePort, type ServerProcess } from '../support/server-process.ts';

export function startServerProcess(databaseUrl: string): Promise<ServerProcess> {
  // BENCH_SERVER_PROFILE=DIR writes a CPU profile of the server process there.
  const profile = process.env.BENCH_SERVER_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`];
  return start(databaseUrl, { nodeArgs: profile });
}
