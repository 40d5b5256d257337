// Tiny assertion helpers that work the same in Node and in the browser page, so both run the
// shared vectors through identical code.

export class AssertionError extends Error {}

/** UPPERCASE hex of bytes, and bytes of hex: the vectors' spelling, without going through the package. */
export const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
export const bytesOf = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  }
  return v;
}

export function equal(actual, expected, what) {
  const a = JSON.stringify(canon(actual));
  const e = JSON.stringify(canon(expected));
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

export function ok(cond, what) {
  if (!cond) throw new AssertionError(what);
}

/** Run `fn`; when the vector expects an error, check it is a PoscoreError with that code/offset. */
export function expectResult(poscore, vector, fn, onOk) {
  let value;
  try {
    value = fn();
  } catch (e) {
    if (!vector.error) throw e;
    ok(e instanceof poscore.PoscoreError, `${JSON.stringify(vector)}: ${e} is not a PoscoreError`);
    equal(e.code, vector.error, `${JSON.stringify(vector)} error code`);
    if (vector.offset !== undefined) equal(e.offset, vector.offset, `${JSON.stringify(vector)} error offset`);
    return;
  }
  ok(!vector.error, `${JSON.stringify(vector)}: expected error ${vector.error}, got ${JSON.stringify(value)}`);
  onOk(value);
}

/** snake_case keys of expected vector objects -> camelCase, as the JS API returns them. */
export function camelKeys(v) {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelKeys(x)]),
    );
  }
  return v;
}
