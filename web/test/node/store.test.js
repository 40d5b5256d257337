// The store conformance cases (tests/vectors/store.json) against the package's MemoryStore under
// Node (the cases that need persistence run on IndexedDB in Chromium: browser/store.test.js), and
// the Terminal's use of an asynchronous store's flush().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { IndexedDbStore, MemoryStore, StoreError, Terminal, TerminalError } from 'poscore';
import { storeCases } from '../shared/store-vectors.js';
import { identity } from '../shared/fixtures.js';

const vectors = JSON.parse(await readFile(new URL('../../../tests/vectors/store.json', import.meta.url), 'utf8'));
const memory = { capabilities: [], fresh: async () => new MemoryStore() };
for (const c of storeCases(vectors, memory, 'memory')) test(c.name, { skip: c.skip }, c.run);

test('store errors are StoreError with a stable code', () => {
  const e = assert.throws(() => new MemoryStore().get('a//b'), StoreError);
  assert.throws(() => new MemoryStore().get('a//b'), (err) => err.code === 'store.invalid_key' && err.module === 'store');
  return e;
});

test('IndexedDbStore refuses to open unsealed without the explicit insecure opt-in', async () => {
  const noIdb = { indexedDB: null };
  for (const options of [undefined, {}, noIdb, { ...noIdb, insecureUnsealed: false }, { ...noIdb, insecureUnsealed: 'yes' }]) {
    await assert.rejects(
      IndexedDbStore.open('journal', options),
      (e) => e instanceof StoreError && e.code === 'store.unsealed_refused' && /sealingKey/.test(e.message),
      JSON.stringify(options),
    );
  }
  await assert.rejects(
    IndexedDbStore.open('journal', { ...noIdb, sealingKey: new Uint8Array(32), insecureUnsealed: true }),
    TypeError,
  );
  // Past the check, both ways: here only the missing IndexedDB stops them (Node has none).
  for (const options of [{ ...noIdb, sealingKey: new Uint8Array(32) }, { ...noIdb, insecureUnsealed: true }]) {
    await assert.rejects(IndexedDbStore.open('journal', options), (e) => e.code === 'store.io');
  }
});

test('a refused request carries the diagnosis an operator sees (T501 not signed on)', () => {
  const terminal = new Terminal({ config: identity, tmk: '0123456789ABCDEFFEDCBA9876543210', seed: 1 });
  const sale = {
    type: 'sale',
    amount: 100,
    card: { type: 'magstripe', track2: ';4761739001010010=25121011143878089?' },
  };
  assert.throws(
    () => terminal.start(sale),
    (e) =>
      e instanceof TerminalError &&
      e.code === 'terminal.not_signed_on' &&
      e.diagnosis.entry.code === 'T501' &&
      /签到|sign/i.test(e.diagnosis.entry.operator.zh + e.diagnosis.entry.operator.en),
  );
});

test('run() waits for the store to be durable before bytes leave', async () => {
  const order = [];
  class SlowStore extends MemoryStore {
    pending = 0;
    apply(ops) {
      super.apply(ops);
      this.pending += 1;
      order.push('write');
    }
    async flush() {
      if (this.pending) {
        await new Promise((r) => setTimeout(r, 5));
        order.push(`durable(${this.pending})`);
        this.pending = 0;
      }
    }
  }
  const terminal = new Terminal({ config: identity, tmk: '0123456789ABCDEFFEDCBA9876543210', seed: 1, store: new SlowStore() });
  const transport = {
    async send() {
      order.push('send');
      const e = new Error('refused');
      e.commFailure = 'connect_failed';
      throw e;
    },
    receive: async () => null,
  };
  const events = await terminal.run({ type: 'sign_on' }, transport);
  assert.ok(events.length > 0);
  const before = order.slice(0, order.indexOf('send'));
  assert.ok(before.includes('write'), order.join(' '));
  assert.match(before.at(-1), /^durable/, order.join(' '));
});
