/** The server's offline gift-card exceptions (`/sync/offline/exceptions`), as the manager view uses them. */
import { z } from 'zod';
import { OfflineExceptionSchema, type OfflineException } from '@pos/core';
import { callApi, type ApiEndpoint } from '../../api/http.ts';

const ListSchema = z.object({ exceptions: z.array(OfflineExceptionSchema), starting_after: z.string().optional() });

export interface OfflineExceptionsClient {
  /** The open ones, newest first (every page). */
  listOpen(): Promise<OfflineException[]>;
  resolve(id: string, resolution: string): Promise<OfflineException>;
}

export function offlineExceptionsClient(endpoint: ApiEndpoint): OfflineExceptionsClient {
  return {
    async listOpen() {
      const all: OfflineException[] = [];
      let after: string | undefined;
      // A till's manager has a handful; the bound only guards against a server that never ends the list.
      for (let page = 0; page < 20; page += 1) {
        const q = new URLSearchParams({ status: 'open', limit: '100', ...(after === undefined ? {} : { starting_after: after }) });
        const res = await callApi(endpoint, 'GET', `/sync/offline/exceptions?${q.toString()}`, ListSchema);
        all.push(...res.exceptions);
        after = res.starting_after;
        if (after === undefined) break;
      }
      return all;
    },
    resolve: (id, resolution) => callApi(endpoint, 'POST', `/sync/offline/exceptions/${encodeURIComponent(id)}/resolve`, OfflineExceptionSchema, { resolution }),
  };
}
