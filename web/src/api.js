// The public API, shared by the browser and Node entry points. Every function is a thin mapping
// onto the wasm exports: all logic lives in the Rust core.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { fromCore, toCore, toBytes, toHex } from './convert.js';
import { checkoutApi } from './checkout-api.js';

/** Uppercase hex of bytes. */
export const hex = toHex;
// Bytes in: a Uint8Array or hex (bad hex is a KeysError `keys.bad_hex` from the core).
const bytes = (value, what) => toBytes((h) => call(wasm.hexDecode, h), value, what);

export {
  PoscoreError,
  CardError,
  ResponseError,
  ReceiptError,
  ReportError,
  Iso8583Error,
  TlvError,
  KeysError,
  PinError,
  MacError,
  DukptError,
  Tr31Error,
  RngError,
  StoreError,
  TerminalError,
  TmsError,
  EmvError,
  OrderError,
} from './errors.js';
export { Key, PinBlock, Mac, Data, WorkingKeys, Dukpt, DukptTerminal, Tr31 } from './crypto.js';
export { Emv, EmvIssuer } from './emv.js';
export { Terminal } from './terminal.js';
export { Tms } from './tms.js';
export { PaymentOrder } from './order.js';
export { MemoryStore, IndexedDbStore, MAX_VALUE_LEN } from './store.js';

// Card data and response codes come from the same code as the `poscore/checkout` entry.
export const { version, card, ResponseRegistry, response } = checkoutApi(wasm);

const utf8 = new TextDecoder();
// An object may be the engine's `approved.receipt` (camelCase, as every JS value) or a
// snake_case record (the schema's spelling): snake-casing is idempotent, so both work.
const renderReceipt = (txn, format, options) =>
  call(wasm.receiptRender, typeof txn === 'string' ? txn : toCore(txn), format, options ? toCore(options) : '');

/** Receipts (出票): text for 32/48-column printers, ESC/POS bytes, HTML and JSON e-receipts. */
export const receipt = Object.freeze({
  text: (txn, options) => utf8.decode(renderReceipt(txn, 'text', options)),
  escpos: (txn, options) => renderReceipt(txn, 'escpos', options),
  html: (txn, options) => utf8.decode(renderReceipt(txn, 'html', options)),
  json: (txn, options) => utf8.decode(renderReceipt(txn, 'json', options)),
});

const renderReport = (kind, report, format, options) =>
  call(wasm.reportRender, kind, typeof report === 'string' ? report : toCore(report), format, options ? toCore(options) : '');

/**
 * Merchant reports: the settlement report and terminal totals (`Terminal.lastSettlementReport()`,
 * `Terminal.terminalTotalsReport()`) and statistics (`Terminal.statistics(...)`), for 32/48-column
 * printers, ESC/POS, HTML (statistics with an SVG chart), JSON, and CSV for statistics.
 */
export const report = Object.freeze({
  settlementText: (r, options) => utf8.decode(renderReport('settlement', r, 'text', options)),
  settlementEscpos: (r, options) => renderReport('settlement', r, 'escpos', options),
  settlementHtml: (r, options) => utf8.decode(renderReport('settlement', r, 'html', options)),
  settlementJson: (r, options) => utf8.decode(renderReport('settlement', r, 'json', options)),
  statsText: (r, options) => utf8.decode(renderReport('stats', r, 'text', options)),
  statsEscpos: (r, options) => renderReport('stats', r, 'escpos', options),
  statsHtml: (r, options) => utf8.decode(renderReport('stats', r, 'html', options)),
  statsJson: (r, options) => utf8.decode(renderReport('stats', r, 'json', options)),
  statsCsv: (r) => utf8.decode(renderReport('stats', r, 'csv')),
});

const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * ISO 8583 messages. `spec` is a bundled spec name (`cup-pos`, `iso87binary`, `iso87ascii`) or
 * a spec as JSON text/object. Messages are `{ mti, fields: { '2': '...', '55': 'HEX' } }`:
 * values are strings, binary fields uppercase hex (the CLI's JSON).
 */
export const Iso8583 = Object.freeze({
  pack: (spec, message) => call(wasm.iso8583Pack, text(spec), text(message)),
  unpack: (spec, data) => JSON.parse(call(wasm.iso8583Unpack, text(spec), bytes(data))),
  describe: (spec, data) => call(wasm.iso8583Describe, text(spec), bytes(data)),
  macBlock: (spec, message) => call(wasm.iso8583MacBlock, text(spec), text(message)),
  mti: (mti) => fromCore(call(wasm.iso8583Mti, String(mti))),
});

const frameArgs = ({ length = 'binary2', tpdu = true, headerLen = 0, maxFrame = 8192 } = {}) => [
  length,
  Boolean(tpdu),
  headerLen,
  maxFrame,
];

/** TCP framing: length header (`binary2`, `bcd2`, `ascii4`), TPDU, terminal header. */
export const Frame = Object.freeze({
  /** `{ length, tpdu: 'HEX' | null, header, message }` -> bytes on the wire. */
  encode: ({ length = 'binary2', tpdu = null, header = new Uint8Array(), message }) =>
    call(wasm.frameEncode, length, tpdu ?? '', bytes(header), bytes(message)),
  /** One whole frame -> `{ tpdu, responseTpdu, header, message }` (hex). */
  decode: (data, config) => fromCore(call(wasm.frameDecode, ...frameArgs(config), bytes(data))),
});

/** Streaming decoder: push socket chunks of any size, take whole frames. */
export class FrameDecoder {
  #inner;
  constructor(config) {
    this.#inner = call((...a) => new wasm.FrameDecoder(...a), ...frameArgs(config));
  }
  push(chunk) {
    this.#inner.push(bytes(chunk));
  }
  /** The next whole frame, or null when more bytes are needed. */
  nextFrame() {
    const f = call(() => this.#inner.nextFrame());
    return f === undefined ? null : fromCore(f);
  }
}

/** EMV BER-TLV (ISO 8583 field 55). */
export const Tlv = Object.freeze({
  /** `[{ tag, name?, len, value? | children? }]`; `masked` redacts cryptograms and masks PAN data. */
  decode: (data, { masked = false } = {}) => JSON.parse(call(wasm.tlvDecode, bytes(data), masked)),
});
