// The one place the demo creates its journal store. The engine writes its reversal-first journal
// through it; `Terminal.run` awaits `store.flush()` before bytes leave, so a pending reversal
// survives a reload (or a crash) and goes out before the next sale.
import { IndexedDbStore, MemoryStore } from 'poscore';

export const DB_NAME = 'poscore-demo';

/**
 * The store the demo terminal journals into, and whether it survives a reload. IndexedDB when
 * the browser has it (not in some private modes), else memory.
 *
 * Unsealed, because the demo only ever sees test cards: the reversal template holds the PAN and
 * field 55, so a production page opens the store with a `sealingKey` kept elsewhere.
 */
export async function openStore() {
  try {
    return { store: await IndexedDbStore.open(DB_NAME), durable: true };
  } catch (e) {
    console.warn('IndexedDB unavailable, journal kept in memory only', e);
    return { store: new MemoryStore(), durable: false };
  }
}

/** Forgets the terminal: closes and deletes the journal (pending reversals included). */
export async function resetStore(store) {
  await store.close?.();
  await IndexedDbStore.destroy(DB_NAME).catch(() => {});
}
