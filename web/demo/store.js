// The one place the demo creates its journal store. The engine writes its reversal-first journal
// through it; `Terminal.run` awaits `store.flush()` (when the store has one) before bytes leave.
import { MemoryStore } from 'poscore';

/** The store the demo terminal journals into, and whether it survives a reload. */
export async function openStore() {
  return { store: new MemoryStore(), durable: false };
}
