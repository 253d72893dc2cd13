/**
 * Admin CLI, our stand-in for Dintero's Backoffice. Works on DATABASE_URL directly, so it runs
 * before the server does. Machine-readable output (JSON) goes to stdout, everything else to stderr.
 *
 *   account:create T12345678 "Demo store"
 *   client:create T12345678 till-1 --scopes "admin:wallets read:products"
 *   client:list T12345678
 *   client:revoke T12345678 <client_id>
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseScopes } from '@pos/core';
import { systemClock } from '../clock.ts';
import { openDb } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrations.ts';
import { ApiError } from '../errors.ts';
import { createAuthRepo } from '../services/auth/repo.ts';
import { createAuthAdmin } from '../services/auth/service.ts';

const USAGE = `usage:
  admin account:create <account_id> <name>
  admin client:create <account_id> <name> --scopes "<scope> <scope> ..."
  admin client:list <account_id>
  admin client:revoke <account_id> <client_id>
DATABASE_URL selects the database (default sqlite:./data/pos.db).`;

class UsageError extends Error {}

export async function runAdmin(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const [command, ...args] = positionals;
  if (values.help === true || command === undefined) {
    err(USAGE);
    return values.help === true ? 0 : 2;
  }
  const db = openDb();
  try {
    await migrateToLatest(db.kysely);
    const admin = createAuthAdmin(createAuthRepo(db.kysely), systemClock);
    const need = (n: number): string[] => {
      if (args.length !== n) throw new UsageError(`${command} takes ${n} argument${n === 1 ? '' : 's'}`);
      return args;
    };
    switch (command) {
      case 'account:create': {
        const [aid = '', name = ''] = need(2);
        const res = await admin.createAccount(aid, name);
        out(JSON.stringify({ account_id: res.account_id, name: res.name }));
        err(res.created ? `created account ${aid}` : `account ${aid} already exists; nothing changed`);
        return 0;
      }
      case 'client:create': {
        const [aid = '', name = ''] = need(2);
        const created = await admin.createClient(aid, name, parseScopes(values.scopes ?? ''));
        out(JSON.stringify(created));
        err('the client secret is shown only now: store it safely');
        return 0;
      }
      case 'client:list': {
        const [aid = ''] = need(1);
        out(JSON.stringify(await admin.listClients(aid)));
        return 0;
      }
      case 'client:revoke': {
        const [aid = '', clientId = ''] = need(2);
        await admin.revokeClient(aid, clientId);
        out(JSON.stringify({ client_id: clientId, revoked: true }));
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof ApiError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await db.close();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  runAdmin(process.argv.slice(2), (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`${l}\n`)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
