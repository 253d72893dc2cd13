/**
 * Replication routes (our extension under `/v1/accounts/{aid}/sync/`): pull, push and a change
 * stream per collection, each declaring the scopes of the data it serves, plus one multiplexed
 * change stream for all of a till's collections.
 *
 * `GET /sync/stream?collections=products,gift_cards,…` exists because every stream holds an
 * HTTP/1.1 connection for as long as the till runs, and a browser opens at most 6 per server: a
 * stream per collection would leave pulls and API calls queued behind them. It carries the same
 * `event: change` / `data: {"collection","checkpoint"}` events as the per-collection streams, for
 * every collection named. Decisions:
 * - The route declares the union of the collections' scopes, so the auth plugin lets in a token
 *   that may read any of them; the handler then refuses (403 `AUTH_SCOPE_MISSING`) a token that
 *   lacks every scope of any one requested collection, naming those collections. A stream that
 *   silently left some out would leave a till's replica stale with nobody noticing.
 * - `collections` is required and comma separated; names are de-duplicated; an unknown or empty
 *   name is 400 `SYNC_UNKNOWN_COLLECTION` (a typo would otherwise never be notified).
 * - Heartbeat, end at token expiry and end on server close are the per-collection stream's
 *   (event-stream.ts). The per-collection streams stay for existing clients.
 */
import { z } from 'zod';
import { AccountIdSchema, CheckpointSchema, hasAnyScope, PullQuerySchema, PushRowSchema } from '@pos/core';
import type { ZodApp } from '../../http.ts';
import type { Clock } from '../../clock.ts';
import { badRequest, forbidden } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { createEventStreams } from './event-stream.ts';
import type { CollectionDef, SyncService } from './service.ts';

const Aid = z.object({ aid: AccountIdSchema });
const EVENTS_DOC = 'text/event-stream: a `: connected` comment, then `event: change` with `data: {"collection": <name>, "checkpoint": {"txid", "seq"}}` whenever that collection changed, and a comment every 15 s. The stream ends when the access token expires; reconnect with a fresh one and pull every collection after each (re)connect.';

export function syncRoutes(app: ZodApp, sync: SyncService, clock: Clock): void {
  const streams = createEventStreams(clock);
  // Open streams end before the server stops listening, or closing would wait on them forever.
  app.addHook('preClose', () => {
    streams.endAll();
    sync.close();
  });
  const tags = ['sync'];
  const collections = Object.entries(sync.collections);

  for (const [name, def] of collections) {
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
      schema: {
        tags,
        summary: `Server-Sent Events: "change" whenever ${name} change; pull on every event and on reconnect`,
        description: `${EVENTS_DOC} Tills replicating several collections should use \`/sync/stream\` instead: one connection for all of them.`,
        params: Aid,
        produces: ['text/event-stream'],
        response: { 200: z.string() },
      },
    }, (req, reply) => {
      const aid = req.params.aid;
      streams.serve(req, reply, principalOf(req).expiresAt, (emit) => sync.subscribe(aid, name, (checkpoint) => emit(name, checkpoint)));
    });
  }

  const defs = new Map(collections);
  app.get('/v1/accounts/:aid/sync/stream', {
    // The union: any collection's scope gets past the auth plugin; the handler checks each one.
    config: { scopes: [...new Set(collections.flatMap(([, def]) => def.scopes))] },
    schema: {
      tags,
      summary: 'Server-Sent Events: "change" whenever any of the named collections change, on one connection',
      description: `${EVENTS_DOC} The token needs a scope that may replicate each named collection (403 otherwise).`,
      params: Aid,
      querystring: z.object({ collections: z.string().describe(`Comma-separated collection names, from: ${[...defs.keys()].join(', ')}`) }),
      produces: ['text/event-stream'],
      response: { 200: z.string() },
    },
  }, (req, reply) => {
    const aid = req.params.aid;
    const wanted: Array<[string, CollectionDef]> = [];
    const unknown: string[] = [];
    for (const name of new Set(req.query.collections.split(',').map((n) => n.trim()))) {
      const def = defs.get(name);
      if (def === undefined) unknown.push(JSON.stringify(name));
      else wanted.push([name, def]);
    }
    if (unknown.length > 0) throw badRequest('SYNC_UNKNOWN_COLLECTION', `unknown collection ${unknown.join(', ')}; known: ${[...defs.keys()].join(', ')}`);
    const principal = principalOf(req);
    const refused = wanted.filter(([, def]) => !hasAnyScope(principal.scopes, def.scopes));
    if (refused.length > 0) {
      const needs = refused.map(([name, def]) => `${name} needs one of ${def.scopes.join(', ')}`).join('; ');
      throw forbidden('AUTH_SCOPE_MISSING', `this token may not replicate ${refused.map(([name]) => name).join(', ')}: ${needs}`);
    }
    streams.serve(req, reply, principal.expiresAt, (emit) => {
      const stops = wanted.map(([name]) => sync.subscribe(aid, name, (checkpoint) => emit(name, checkpoint)));
      return () => {
        for (const stop of stops) stop();
      };
    });
  });
}
