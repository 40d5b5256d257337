// The public API, shared by the browser and Node entry points. Every function is a thin mapping
// onto the wasm exports: all logic lives in the Rust core.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { fromCore, toCore } from './convert.js';

export {
  PoscoreError,
  CardError,
  ResponseError,
  ReceiptError,
  KeysError,
  PinError,
  MacError,
  DukptError,
  Tr31Error,
  RngError,
} from './errors.js';
export { Key, PinBlock, Mac, Data, WorkingKeys, Dukpt, DukptTerminal, Tr31 } from './crypto.js';

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

const registries = new Map();

/**
 * A response-code registry: a bundled profile (`iso`, `unionpay`) or an acquirer profile (JSON
 * text or object naming its `base`). Explanations and diagnoses come back in `zh` or `en`.
 */
export class ResponseRegistry {
  #inner;
  constructor(inner) {
    this.#inner = inner;
  }
  /** A bundled profile, cached. */
  static bundled(name = 'unionpay') {
    if (!registries.has(name)) registries.set(name, new ResponseRegistry(call(wasm.ResponseRegistry.bundled, name)));
    return registries.get(name);
  }
  /** An acquirer profile applied over its base. */
  static fromProfile(profile) {
    const json = typeof profile === 'string' ? profile : JSON.stringify(profile);
    return new ResponseRegistry(call(wasm.ResponseRegistry.fromProfileJson, json));
  }
  get name() {
    return this.#inner.name();
  }
  /** What a host or terminal code means: `{ code, source, outcome, cause, operatorText, customerText, remedies, unknown }`. */
  explain(code, { lang = 'zh' } = {}) {
    return fromCore(call(() => this.#inner.explain(String(code), lang)));
  }
  /** What happened and what the engine does next (`action`, `reversalReason`), for a host code or local failure key. */
  diagnose(event, { request = 'financial', lang = 'zh' } = {}) {
    return fromCore(call(() => this.#inner.diagnose(request, String(event), lang)));
  }
}

/** Response codes and failure diagnosis. */
export const response = Object.freeze({
  registry: (name) => ResponseRegistry.bundled(name),
  explain: (code, { profile = 'unionpay', lang = 'zh' } = {}) => ResponseRegistry.bundled(profile).explain(code, { lang }),
  diagnose: (event, { profile = 'unionpay', request = 'financial', lang = 'zh' } = {}) =>
    ResponseRegistry.bundled(profile).diagnose(event, { request, lang }),
  parseLang: (tag) => call(wasm.responseParseLang, String(tag)),
  parseEvent: (key) => call(wasm.responseParseEvent, String(key)),
});

const utf8 = new TextDecoder();
const renderReceipt = (txn, format, options) =>
  call(wasm.receiptRender, typeof txn === 'string' ? txn : JSON.stringify(txn), format, options ? toCore(options) : '');

/** Receipts (出票): text for 32/48-column printers, ESC/POS bytes, HTML and JSON e-receipts. */
export const receipt = Object.freeze({
  text: (txn, options) => utf8.decode(renderReceipt(txn, 'text', options)),
  escpos: (txn, options) => renderReceipt(txn, 'escpos', options),
  html: (txn, options) => utf8.decode(renderReceipt(txn, 'html', options)),
  json: (txn, options) => utf8.decode(renderReceipt(txn, 'json', options)),
});
