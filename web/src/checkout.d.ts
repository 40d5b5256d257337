// `poscore/checkout`: card data and response-code diagnosis on a small wasm module, for web
// checkouts that need no crypto, ISO 8583, receipts or terminal engine. Same API and types as
// the full package's `card`, `response` and `ResponseRegistry`.
export { init, version, hex, card, response, ResponseRegistry, PoscoreError, CardError, ResponseError } from './index.js';
export type {
  PoscoreErrorDetails,
  Brand,
  Inspection,
  Track2Summary,
  PaymentCodeKind,
  Explanation,
  Diagnosis,
} from './index.js';
