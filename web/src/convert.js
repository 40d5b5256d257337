// Structured values cross the wasm boundary as JSON with snake_case keys (the same JSON the CLI
// prints and the shared vectors use); JS callers get camelCase keys.

const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function mapKeys(value, f) {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, f));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapKeys(v, f)]));
  }
  return value;
}

/** Parse JSON from the core and camelCase its keys. */
export const fromCore = (json) => mapKeys(JSON.parse(json), camel);
/** snake_case a JS object's keys and serialise it for the core. */
export const toCore = (obj) => JSON.stringify(mapKeys(obj, snake));

/** Bytes from a Uint8Array (or any array-like of bytes) or a hex string. */
export function bytes(input) {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') {
    const hex = input.replace(/\s+/g, '');
    if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new TypeError(`not a hex string: ${input}`);
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  return Uint8Array.from(input);
}

/** Uppercase hex of bytes. */
export const hex = (b) => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, '0')).join('');
