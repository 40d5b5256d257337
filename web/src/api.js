// The public API, shared by the browser and Node entry points. Every function is a thin mapping
// onto the wasm exports: all logic lives in the Rust core.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { fromCore, toCore } from './convert.js';

export { PoscoreError, CardError } from './errors.js';

/** Version of the Rust core inside this package. */
export const version = () => wasm.version();

/** Card numbers, track 2 data and scanned payment codes. */
export const card = Object.freeze({
  luhnValid: (number) => wasm.cardLuhnValid(String(number)),
  luhnCheckDigit: (partial) => call(wasm.cardLuhnCheckDigit, String(partial)),
  maskPan: (pan, policy) =>
    call(wasm.cardMaskPan, String(pan), policy ? toCore({ keepFirst: 6, keepLast: 4, maskChar: '*', ...policy }) : ''),
  brand: (pan) => wasm.cardBrand(String(pan)),
  parseTrack2: (input) => fromCore(call(wasm.cardParseTrack2, String(input))),
  classifyPaymentCode: (code) => wasm.cardClassifyPaymentCode(String(code)) ?? null,
  inspect: (input) => fromCore(call(wasm.cardInspect, String(input))),
});
