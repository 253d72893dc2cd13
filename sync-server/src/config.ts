import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/connect.ts';

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** The origin clients use to reach us; token audiences are `<PUBLIC_URL>/v1/accounts/{aid}`. */
  PUBLIC_URL: z.url().optional(),
  /** The till's browser build to serve at `/`; `npm start` sets it to renderer/dist. */
  TILL_DIR: z.string().min(1).optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Webhook retry schedule base and receiver timeout (ms); defaults 10 s and 60 s. */
  HOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).optional(),
  HOOK_TIMEOUT_MS: z.coerce.number().int().min(1).optional(),
  /** Replication notifier poll (ms) while a stream is open; defaults 250 on SQLite, 5,000 on PostgreSQL (a fallback for LISTEN/NOTIFY). */
  SYNC_POLL_MS: z.coerce.number().int().min(1).optional(),
});

export type ServerConfig = z.infer<typeof EnvSchema>;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid server configuration:\n${lines}`);
  }
  return parsed.data;
}
