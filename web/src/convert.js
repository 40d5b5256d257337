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

/**
 * The core names keys as it received them, snake_cased (`terminalID` arrives as `terminal_i_d`):
 * put back the caller's own spelling of `obj`'s keys, and camelCase the others (the keys the
 * core expected), in a core error message such as "unknown field `terminal_i_d`, expected one of
 * `terminal_id`, ...".
 */
export const jsKeyNames = (message, obj) => {
  const own = new Map(Object.keys(obj ?? {}).map((k) => [snake(k), k]));
  return message.replace(/`([a-z0-9_]+)`/g, (_, k) => `\`${own.get(k) ?? camel(k)}\``);
};

// Byte strings: inputs are a Uint8Array or a hex string (either case; bad hex throws a KeysError
// `keys.bad_hex` from the core); outputs are UPPERCASE hex strings, the form the CLI and the
// shared vectors use.
/** Hex digits (any case) or bytes -> Uint8Array, for the core. */
export const toBytes = (hexDecode, value, what = 'value') => {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return hexDecode(value);
  throw new TypeError(`${what} must be a Uint8Array or a hex string`);
};
/** Bytes -> UPPERCASE hex. */
export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
