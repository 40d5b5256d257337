// `poscore/checkout` for browsers and bundlers: card data (Luhn, masking, brand, track 2,
// payment codes) and response-code diagnosis, on a wasm module built without the crypto, ISO 8583,
// receipts and terminal engine a web checkout does not need (about a quarter of the full size).
// Call `await init()` once first.
import initWasm, * as wasm from '../pkg-checkout/poscore_wasm.js';
import { checkoutApi } from './checkout-api.js';
import { toHex } from './convert.js';

export { PoscoreError, CardError, ResponseError } from './errors.js';
export const { version, card, ResponseRegistry, response } = checkoutApi(wasm);
/** Uppercase hex of bytes. */
export const hex = toHex;

let ready;
/** Load and instantiate the checkout WebAssembly module. Safe to call more than once. */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source });
  return ready.then(() => undefined);
}
