// The store conformance cases (tests/vectors/store.json), the same ones the Rust stores pass
// (core/src/store/conformance.rs), run against a JS store. A backend supplies:
//   fresh()                -> Promise<store>   a new, empty store at a new location
//   reopen(store)          -> Promise<store>   close it and open the same location again
//   damage(store, key, d)  -> Promise<store>   harm the stored record of `key` behind the store's
//                                              back (d = { how, from }); returns the store to use
//   reopenWrongKey(store)  -> Promise<store>   open the location with another sealing key (must throw)
//   capabilities           : subset of ['reopen', 'damage', 'sealed']
// Cases whose `requires` the backend lacks are skipped (and counted as skipped by the caller).
import { hexOf, bytesOf } from './check.js';

const valueBytes = (v) => {
  const one = bytesOf(v.hex);
  const n = v.repeat ?? 1;
  const out = new Uint8Array(one.length * n);
  for (let i = 0; i < n; i++) out.set(one, i * one.length);
  return out;
};

const show = (b) => (b === undefined ? 'missing' : b.length > 32 ? `${b.length} bytes ${hexOf(b.subarray(0, 32))}...` : hexOf(b));

/** Runs `fn`; checks it failed with `code` when given, else passes its result to `check`. */
async function outcome(fn, code, check = () => {}) {
  let result;
  try {
    result = await fn();
  } catch (e) {
    if (code === undefined) throw new Error(`failed with ${e.code}: ${e.message}`);
    if (e.code !== code) throw new Error(`failed with ${e.code} (${e.message}), expected ${code}`);
    return;
  }
  if (code !== undefined) throw new Error(`succeeded, expected error ${code}`);
  check(result);
}

async function step(backend, store, s) {
  switch (s.op) {
    case 'put':
      await outcome(() => store.apply([{ op: 'put', key: s.key, value: valueBytes(s.value) }]), s.error);
      return store;
    case 'delete':
      await outcome(() => store.apply([{ op: 'delete', key: s.key }]), s.error);
      return store;
    case 'batch': {
      const ops = s.ops.map((o) => (o.op === 'put' ? { op: 'put', key: o.key, value: valueBytes(o.value) } : o));
      await outcome(() => store.apply(ops), s.error);
      return store;
    }
    case 'get':
      await outcome(
        () => store.get(s.key),
        s.error,
        (got) => {
          const want = s.expect === null ? undefined : valueBytes(s.expect);
          if ((got === undefined) !== (want === undefined) || (got && hexOf(got) !== hexOf(want))) {
            throw new Error(`got ${show(got)}, expected ${show(want)}`);
          }
        },
      );
      return store;
    case 'list':
      await outcome(
        () => store.list(s.prefix),
        s.error,
        (got) => {
          if (JSON.stringify(got) !== JSON.stringify(s.expect)) {
            throw new Error(`got ${JSON.stringify(got)}, expected ${JSON.stringify(s.expect)}`);
          }
        },
      );
      return store;
    case 'reopen':
      return backend.reopen(store);
    case 'damage':
      return backend.damage(store, s.key, { how: s.how, from: s.from });
    case 'reopen_with_wrong_key':
      await outcome(() => backend.reopenWrongKey(store), s.error);
      return backend.reopen(store);
    default:
      throw new Error(`unknown step ${s.op}`);
  }
}

/** The cases of `vectors` as `{ name, skip, run }` for `backend`. */
export function storeCases(vectors, backend, label) {
  return vectors.cases.map((c) => {
    const missing = (c.requires ?? []).filter((r) => !backend.capabilities.includes(r));
    return {
      name: `store ${label}: ${c.name}`,
      skip: missing.length ? `needs ${missing.join(', ')}` : false,
      run: async () => {
        let store = await backend.fresh();
        try {
          for (const [i, s] of c.steps.entries()) {
            try {
              store = await step(backend, store, s);
            } catch (e) {
              throw new Error(`step ${i} ${JSON.stringify(s).slice(0, 200)}: ${e.message}`);
            }
          }
        } finally {
          await store?.close?.();
        }
      },
    };
  });
}

/** How a `damage` step harms stored bytes (shared by every backend that keeps raw records). */
export function damaged(raw, { how }, other) {
  switch (how) {
    case 'flip_byte': {
      const out = Uint8Array.from(raw);
      out[out.length >> 1] ^= 0xff;
      return out;
    }
    case 'truncate':
      return raw.slice(0, raw.length >> 1);
    case 'empty':
      return new Uint8Array(0);
    case 'copy_from':
      return Uint8Array.from(other);
    default:
      throw new Error(`unknown damage ${how}`);
  }
}
