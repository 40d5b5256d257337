// Card data and response-code diagnosis over a wasm module: the whole of the `poscore/checkout`
// entry (a small wasm with only these) and part of the full package, from one source.
import { call } from './errors.js';
import { fromCore, toCore } from './convert.js';

/** The card and response API over `wasm` (the full module or the checkout one). */
export function checkoutApi(wasm) {
  /** Version of the Rust core inside this package. */
  const version = () => wasm.version();

  /** Card numbers, track 2 data and scanned payment codes. */
  const card = Object.freeze({
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
  class ResponseRegistry {
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
  const response = Object.freeze({
    registry: (name) => ResponseRegistry.bundled(name),
    explain: (code, { profile = 'unionpay', lang = 'zh' } = {}) => ResponseRegistry.bundled(profile).explain(code, { lang }),
    diagnose: (event, { profile = 'unionpay', request = 'financial', lang = 'zh' } = {}) =>
      ResponseRegistry.bundled(profile).diagnose(event, { request, lang }),
    parseLang: (tag) => call(wasm.responseParseLang, String(tag)),
    parseEvent: (key) => call(wasm.responseParseEvent, String(key)),
  });

  return { version, card, ResponseRegistry, response };
}
