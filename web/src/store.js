// Journal stores for the Terminal. The engine calls a store synchronously (`get`, `list`,
// `apply`), but a browser's only durable storage, IndexedDB, is asynchronous. IndexedDbStore
// bridges the two the way docs/terminal.md describes: it serves reads from memory, starts an
// IndexedDB transaction for every `apply` at once, and `flush()` resolves when every write
// so far is durable. `Terminal.run` awaits `flush()` before any bytes leave and before any event
// is reported, so the reversal record is on disk before the request is sent (reversal-first)
// and an approval is never shown before it is logged.
//
// Records are kept in the core's record format (poscore::store::record, through the wasm
// StoreCodec): checksummed, bound to their key and, with a sealing key, AES-256-GCM sealed. A
// damaged record is reported as `store.corrupt`, never returned.
import * as wasm from '../pkg/poscore_wasm.js';
import { call, StoreError } from './errors.js';
import { toBytes } from './convert.js';

const hexDecode = (s) => call(() => wasm.hexDecode(s));

/**
 * The longest value a record may hold (1 MiB): the core's `MAX_VALUE_LEN`, which decides
 * (`storeValidateValue`). A constant here because browsers load the wasm only after `init()`.
 */
export const MAX_VALUE_LEN = 1 << 20;

const validateKey = (key) => call(() => wasm.storeValidateKey(String(key)));
const validatePrefix = (prefix) => call(() => wasm.storeValidatePrefix(String(prefix)));

/** Checks every op of a batch before any is applied (a bad op rejects the whole batch). */
function checkOps(ops) {
  if (!Array.isArray(ops)) throw new TypeError('apply(ops): ops must be an array');
  return ops.map((op) => {
    validateKey(op.key);
    if (op.op === 'delete') return { op: 'delete', key: op.key };
    if (op.op !== 'put') throw new TypeError(`unknown store op ${op.op}`);
    const value = toBytes(hexDecode, op.value, 'value');
    call(() => wasm.storeValidateValue(op.key, value.length));
    return { op: 'put', key: op.key, value };
  });
}

const sortedKeys = (keys, prefix) => [...keys].filter((k) => k.startsWith(prefix)).sort();

/** A store kept in a Map: not durable; for tests, demos and terminals that persist elsewhere. */
export class MemoryStore {
  constructor(map = new Map()) {
    this.map = map;
  }
  get(key) {
    validateKey(key);
    return this.map.get(key);
  }
  list(prefix = '') {
    validatePrefix(prefix);
    return sortedKeys(this.map.keys(), prefix);
  }
  put(key, value) {
    this.apply([{ op: 'put', key, value }]);
  }
  delete(key) {
    this.apply([{ op: 'delete', key }]);
  }
  apply(ops) {
    for (const op of checkOps(ops)) {
      if (op.op === 'put') this.map.set(op.key, Uint8Array.from(op.value));
      else this.map.delete(op.key);
    }
  }
  /** Nothing to wait for. */
  flush() {
    return Promise.resolve();
  }
}

const RECORDS = 'records';
const META = 'meta';
const HEADER = 'STORE';

const request = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

const done = (tx) =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });

const ioError = (op, name, e) =>
  new StoreError(`store I/O error during ${op} on ${name}: ${e?.message ?? e}`, { code: 'store.io', module: 'store' });

/**
 * The journal in IndexedDB: database `name`, object store `records` (key → record bytes) and
 * `meta` (`STORE` → the header). Open it with `await IndexedDbStore.open(name, { sealingKey })`;
 * an unsealed store only with `{ insecureUnsealed: true }`.
 */
export class IndexedDbStore {
  #db;
  #name;
  #codec;
  #records;
  #writes = new Set();
  #failed;
  #unlock;

  constructor(token, db, name, codec, records, unlock) {
    if (token !== IndexedDbStore.#token) throw new TypeError('use `await IndexedDbStore.open(name, { sealingKey })`');
    this.#db = db;
    this.#name = name;
    this.#codec = codec;
    this.#records = records;
    this.#unlock = unlock;
    // Deleting or upgrading the database from elsewhere: stop rather than write to a ghost.
    db.onversionchange = () => {
      db.close();
      this.#failed ??= ioError('use', name, 'the database was deleted or upgraded elsewhere');
    };
  }
  static #token = Symbol('IndexedDbStore');

  /**
   * Opens (creating if needed) the store in database `name`, sealed.
   * @param {string} [name]
   * @param {{ sealingKey?: Uint8Array | string, insecureUnsealed?: boolean, indexedDB?: IDBFactory }} [options]
   *   `sealingKey`: 32 bytes (or hex) to seal every record with AES-256-GCM; a sealed store only
   *   opens with the same key (`store.sealed_key_mismatch`). The page gets it from somewhere
   *   safer than the same origin's storage (a server session, a platform credential). Without a
   *   key the open is refused (`store.unsealed_refused`): the journal holds PANs, field 55 and
   *   reversal templates. `insecureUnsealed: true` (and no key) opens it unsealed, leaving that
   *   card data in clear in the browser: for tests and tools only.
   */
  static async open(name = 'poscore', options = {}) {
    const { sealingKey, insecureUnsealed = false, indexedDB = globalThis.indexedDB } = options;
    if (sealingKey === undefined && insecureUnsealed !== true) {
      throw new StoreError(
        `store "${name}" would be unsealed: pass { sealingKey } (32 bytes), or { insecureUnsealed: true } for a test store`,
        { code: 'store.unsealed_refused', module: 'store' },
      );
    }
    if (sealingKey !== undefined && insecureUnsealed) {
      throw new TypeError('IndexedDbStore.open: pass either sealingKey or insecureUnsealed: true, not both');
    }
    if (!indexedDB) throw ioError('open', name, 'IndexedDB is not available here');
    const key = sealingKey === undefined ? undefined : toBytes(hexDecode, sealingKey, 'sealingKey');
    const codec = call(() => new wasm.StoreCodec(key));
    let unlock;
    try {
      unlock = await exclusive(name);
      let db;
      try {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore(RECORDS);
          req.result.createObjectStore(META);
        };
        db = await request(req);
      } catch (e) {
        throw ioError('open', name, e);
      }
      try {
        const records = await IndexedDbStore.#load(db, name, codec);
        return new IndexedDbStore(IndexedDbStore.#token, db, name, codec, records, unlock);
      } catch (e) {
        db.close();
        throw e;
      }
    } catch (e) {
      unlock?.();
      codec.free();
      throw e;
    }
  }

  /** Reads every record of an open database, after checking (or writing) its header. */
  static async #load(db, name, codec) {
    const tx = db.transaction([RECORDS, META], 'readonly');
    const [header, keys, values] = await Promise.all([
      request(tx.objectStore(META).get(HEADER)),
      request(tx.objectStore(RECORDS).getAllKeys()),
      request(tx.objectStore(RECORDS).getAll()),
    ]).catch((e) => {
      throw ioError('read', name, e);
    });
    if (header === undefined) {
      if (keys.length > 0) {
        throw new StoreError(`store record "${HEADER}" is corrupt: header missing in a store holding records`, {
          code: 'store.corrupt',
          module: 'store',
        });
      }
      const w = db.transaction(META, 'readwrite', { durability: 'strict' });
      w.objectStore(META).put(call(() => codec.header()), HEADER);
      await done(w).catch((e) => {
        throw ioError('write', name, e);
      });
    } else {
      call(() => codec.checkHeader(new Uint8Array(header)));
    }
    return new Map(keys.map((k, i) => [String(k), new Uint8Array(values[i])]));
  }

  /** Deletes database `name` (closed stores only). */
  static async destroy(name = 'poscore', { indexedDB = globalThis.indexedDB } = {}) {
    await request(indexedDB.deleteDatabase(name));
  }

  /** True when records are sealed. */
  get sealed() {
    return this.#codec.isSealed();
  }

  #alive() {
    if (this.#failed) throw this.#failed;
    if (!this.#db) throw ioError('use', this.#name, 'the store is closed');
  }

  /** The value of `key`, or undefined; `store.corrupt` when its record is damaged. */
  get(key) {
    this.#alive();
    validateKey(key);
    const raw = this.#records.get(key);
    return raw === undefined ? undefined : call(() => this.#codec.decode(key, raw));
  }

  /** Keys starting with `prefix`, sorted. */
  list(prefix = '') {
    this.#alive();
    validatePrefix(prefix);
    return sortedKeys(this.#records.keys(), prefix);
  }

  put(key, value) {
    this.apply([{ op: 'put', key, value }]);
  }

  delete(key) {
    this.apply([{ op: 'delete', key }]);
  }

  /**
   * Applies the ops together: visible at once to `get`/`list`, written in one IndexedDB
   * transaction (all or nothing), durable when `flush()` resolves.
   */
  apply(ops) {
    this.#alive();
    const encoded = checkOps(ops).map((op) =>
      op.op === 'put' ? { ...op, record: call(() => this.#codec.encode(op.key, op.value)) } : op,
    );
    if (encoded.length === 0) return;
    let tx;
    try {
      tx = this.#db.transaction(RECORDS, 'readwrite', { durability: 'strict' });
      const os = tx.objectStore(RECORDS);
      for (const op of encoded) {
        if (op.op === 'put') os.put(op.record, op.key);
        else os.delete(op.key);
      }
    } catch (e) {
      this.#failed = ioError('write', this.#name, e);
      throw this.#failed;
    }
    for (const op of encoded) {
      if (op.op === 'put') this.#records.set(op.key, op.record);
      else this.#records.delete(op.key);
    }
    // A failed transaction leaves memory ahead of the disk: the handle refuses every further
    // call, as a file store does after a failed write; reopen to read what is durable.
    const write = done(tx).catch((e) => {
      this.#failed ??= ioError('write', this.#name, e);
    });
    this.#writes.add(write);
    write.finally(() => this.#writes.delete(write));
  }

  /** Resolves when every write so far is durable; rejects (`store.io`) if one failed. */
  async flush() {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
    if (this.#failed) throw this.#failed;
  }

  /** Waits for pending writes, then closes the database. */
  async close() {
    if (!this.#db) return;
    try {
      await this.flush();
    } finally {
      this.#db.close();
      this.#db = undefined;
      this.#codec.free();
      this.#unlock();
    }
  }
}

/**
 * Holds the Web Lock `poscore-store:<name>` while a store is open, so a second tab cannot run
 * a second engine on the same journal (`store.in_use`). Resolves with the release function.
 * Where Web Locks do not exist (old browsers, Node), there is no lock.
 */
function exclusive(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    locks
      .request(`poscore-store:${name}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject(
            new StoreError(`store "${name}" is open elsewhere (another tab or process)`, {
              code: 'store.in_use',
              module: 'store',
            }),
          );
          return undefined;
        }
        return new Promise((release) => resolve(release));
      })
      .catch(reject);
  });
}
