/**
 * Writes new states of documents the caller has already read, in one storage write, with their
 * read state as `previous` (optimistic concurrency: the storage refuses a document that changed
 * since). RxDB's `bulkUpsert` does not know the previous state: it first tries an insert (a read
 * of every document, all refused), then writes each one over what it reads again, which made
 * confirming a drained outbox cost three reads per record. Change events, the document cache and
 * live queries see these writes like every other write.
 */
import type { RxCollection, RxDocumentData } from 'rxdb';

const CONTEXT = 'pos-write-over';
/** A document that keeps changing under us is a bug elsewhere, not something to spin on. */
const MAX_ROUNDS = 5;

export async function writeOver<T>(
  collection: RxCollection<T>,
  read: readonly RxDocumentData<T>[],
  change: (current: RxDocumentData<T>) => RxDocumentData<T>,
): Promise<void> {
  let rows = read.map((previous) => ({ previous, document: change(previous) }));
  for (let round = 1; rows.length > 0; round++) {
    const { error } = await collection.storageInstance.bulkWrite(rows, CONTEXT);
    const again: typeof rows = [];
    for (const e of error) {
      // Changed since it was read: apply the same change to what is stored now.
      if (e.status === 409 && e.documentInDb !== undefined && round < MAX_ROUNDS) again.push({ previous: e.documentInDb, document: change(e.documentInDb) });
      else throw new Error(`${collection.name}: document ${e.documentId} was not written (status ${e.status})`);
    }
    rows = again;
  }
}
