/**
 * The Server-Sent-Events plumbing every change stream shares: take the socket over from Fastify,
 * write `event: change` for what a subscription reports, a comment every 15 s so proxies and the
 * till notice a dead link, and end the stream when the client leaves, when the token that opened
 * it expires (the till reconnects with a fresh one, so a revoked client is not served for hours)
 * or when the server closes (open streams would otherwise hold `close()` forever).
 */
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Checkpoint } from '@pos/core';
import type { Clock } from '../../clock.ts';

const HEARTBEAT_MS = 15_000;

/** Sends one change notice on a stream. */
export type Emit = (collection: string, checkpoint: Checkpoint) => void;

export interface EventStreams {
  /**
   * Hijacks the reply and streams until one of the ends above. `subscribe` starts the change
   * notices and returns what stops them. Call it after every check that may refuse the request:
   * once hijacked, the reply can no longer carry an error body.
   */
  serve(req: { readonly raw: IncomingMessage }, reply: FastifyReply, expiresAt: number, subscribe: (emit: Emit) => () => void): void;
  /** Ends every open stream (the server is closing). */
  endAll(): void;
}

export function createEventStreams(clock: Clock): EventStreams {
  const open = new Set<() => void>();
  return {
    serve(req, reply, expiresAt, subscribe) {
      reply.hijack();
      const res = reply.raw;
      // Hijacked replies skip Fastify's header hooks: carry over what they set (CORS) by hand.
      const carried = Object.fromEntries(Object.entries(reply.getHeaders()).filter((e): e is [string, string | number | string[]] => e[1] !== undefined));
      res.writeHead(200, { ...carried, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      const unsubscribe = subscribe((collection, checkpoint) => {
        res.write(`event: change\ndata: ${JSON.stringify({ collection, checkpoint })}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const expiry = setTimeout(() => end(), Math.max(0, expiresAt - clock.now().getTime()));
      let ended = false;
      // Runs once, however many of the ends arrive (expiry, then the socket's close).
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe();
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.once('close', end);
    },
    endAll() {
      for (const end of open) end();
    },
  };
}
