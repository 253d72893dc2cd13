/** Replication routes, one set per collection so each declares the scopes of the data it serves. */
import { z } from 'zod';
import { AccountIdSchema, CheckpointSchema, PullQuerySchema, PushRowSchema } from '@pos/core';
import type { ZodApp } from '../../http.ts';
import type { Clock } from '../../clock.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { SyncService } from './service.ts';

const Aid = z.object({ aid: AccountIdSchema });
const HEARTBEAT_MS = 15_000;

export function syncRoutes(app: ZodApp, sync: SyncService, clock: Clock): void {
  // Open streams end before the server stops listening, or closing would wait on them forever.
  const open = new Set<() => void>();
  app.addHook('preClose', () => {
    for (const end of open) end();
    sync.close();
  });
  for (const [name, def] of Object.entries(sync.collections)) {
    const tags = ['sync'];
    app.get(`/v1/accounts/:aid/sync/${name}/pull`, {
      config: { scopes: def.scopes },
      schema: {
        tags,
        summary: `Pull ${name} changed after a checkpoint (RxDB replication)`,
        params: Aid,
        querystring: PullQuerySchema,
        response: { 200: z.object({ documents: z.array(z.looseObject({ id: z.string() })), checkpoint: CheckpointSchema, remaining: z.number().int() }) },
      },
    }, async (req) => {
      const { txid, seq, limit } = req.query;
      const after = txid === undefined || seq === undefined ? undefined : { txid, seq };
      return sync.pull(req.params.aid, name, after, limit);
    });

    app.post(`/v1/accounts/:aid/sync/${name}/push`, {
      config: { scopes: def.scopes },
      schema: {
        tags,
        summary: `Push ${name} (RxDB replication): read-only for tills, so every row comes back as a conflict with the server's state`,
        params: Aid,
        body: z.array(PushRowSchema).max(1000),
        response: { 200: z.array(z.looseObject({ id: z.string() })) },
      },
    }, (req) => {
      const ids = req.body.map((row) => row.newDocumentState.id).filter((id): id is string => typeof id === 'string');
      return sync.pushReadOnly(req.params.aid, name, ids);
    });

    app.get(`/v1/accounts/:aid/sync/${name}/stream`, {
      config: { scopes: def.scopes },
      schema: { tags, summary: `Server-Sent Events: "change" whenever ${name} change; pull on every event and on reconnect`, params: Aid },
    }, (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      // Hijacked replies skip Fastify's header hooks: carry over what they set (CORS) by hand.
      const carried = Object.fromEntries(Object.entries(reply.getHeaders()).filter((e): e is [string, string | number | string[]] => e[1] !== undefined));
      res.writeHead(200, { ...carried, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      const unsubscribe = sync.subscribe(req.params.aid, name, (checkpoint) => {
        res.write(`event: change\ndata: ${JSON.stringify({ collection: name, checkpoint })}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      // A stream lives no longer than the token that opened it: the till reconnects with a fresh one.
      const expiry = setTimeout(() => end(), Math.max(0, principalOf(req).expiresAt - clock.now().getTime()));
      const end = (): void => {
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe();
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.once('close', end);
    });
  }
}
