// The one place the demo creates its journal store. The engine writes its reversal-first journal
// through it; `Terminal.run` awaits `store.flush()` before bytes leave, so a pending reversal
// survives a reload (or a crash) and goes out before the next sale.
import { IndexedDbStore, MemoryStore } from 'poscore';

export const DB_NAME = 'poscore-demo';

// Sealed as a production journal must be (the reversal template holds the PAN and field 55).
// A key written in page code protects nothing: this one is public and only shows the call. A
// real terminal derives or unwraps its sealing key from something the page does not ship.
const DEMO_SEALING_KEY = new TextEncoder().encode('poscore-demo-journal-sealing-key');

/**
 * The store the demo terminal journals into, and whether it survives a reload: IndexedDB, or
 * memory when the browser has no IndexedDB (some private modes). Another tab holding the same
 * journal is an error (`store.in_use`), never a silent second terminal.
 */
export async function openStore() {
  if (!globalThis.indexedDB) return { store: new MemoryStore(), durable: false };
  try {
    return { store: await IndexedDbStore.open(DB_NAME, { sealingKey: DEMO_SEALING_KEY }), durable: true };
  } catch (e) {
    if (e?.code?.startsWith('store.')) throw e;
    console.warn('IndexedDB unavailable, journal kept in memory only', e);
    return { store: new MemoryStore(), durable: false };
  }
}

/** Forgets the terminal: closes and deletes the journal (pending reversals included). */
export async function resetStore(store) {
  await store.close?.();
  await IndexedDbStore.destroy(DB_NAME).catch(() => {});
}
