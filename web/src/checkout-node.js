// `poscore/checkout` under Node: the checkout wasm is instantiated on import.
import { readFileSync } from 'node:fs';
import * as wasm from '../pkg-checkout/poscore_wasm.js';
import { checkoutApi } from './checkout-api.js';
import { toHex } from './convert.js';

wasm.initSync({ module: readFileSync(new URL('../pkg-checkout/poscore_wasm_bg.wasm', import.meta.url)) });

export { PoscoreError, CardError, ResponseError } from './errors.js';
export const { version, card, ResponseRegistry, response } = checkoutApi(wasm);
/** Uppercase hex of bytes. */
export const hex = toHex;
/** Already initialised under Node; resolves at once. */
export const init = () => Promise.resolve();
