// UnionPay TMS downloads: field 62 of the 360/362 parameter and status messages and of the
// 370-372 / 380-382 CA public key and AID queries and downloads. A thin mapping onto the wasm
// exports; every layout and check (the CA public key SHA-1) is in the Rust core.
//
// Byte inputs are a Uint8Array or a hex string; byte outputs are UPPERCASE hex strings. Objects
// are the core's records with camelCase keys; the `other` maps keep their keys (EMV tags such as
// `DF8101`, parameter item tags such as `83`) exactly as the core writes them.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { toBytes, toHex } from './convert.js';

const bytes = (value, what) => toBytes((h) => call(wasm.hexDecode, h), value, what);

const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// Like convert.js's key mapping, but an `other` map's keys are data (tags), not field names.
function mapKeys(value, f) {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, f));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), k === 'other' ? v : mapKeys(v, f)]));
  }
  return value;
}
const out = (json) => mapKeys(JSON.parse(json), camel);
const arg = (value) => JSON.stringify(mapKeys(value, snake));
const optArg = (value) => (value === undefined || value === null ? '' : arg(value));

/** UnionPay TMS field 62 codecs (`poscore::tms`). */
export const Tms = Object.freeze({
  /** Every step: `[{ step, nmi, mti }]` (`capk_query`, `372`, `0820`). */
  steps: () => out(call(wasm.tmsSteps)),
  /** A reply's field 62 -> `{ continuation: 'last' | 'more_packets' | 'more_query', body }`. */
  splitReply: (field62) => out(call(wasm.tmsSplitReply, bytes(field62, 'field62'))),
  /** Field 62 of a 372/382 query: `1` and the 2-digit count received so far. */
  queryRequest: (startIndex) => toHex(call(wasm.tmsQueryRequest, Number(startIndex))),
  /** The key entries of a 372 reply body -> `[{ rid, index, expiry }]`. */
  parseCapkQuery: (body) => out(call(wasm.tmsParseCapkQuery, bytes(body, 'body'))),
  /** Field 62 of a 372 reply (the simulator's side). */
  encodeCapkQuery: (continuation, keys) =>
    toHex(call(wasm.tmsEncodeCapkQuery, JSON.stringify(continuation), arg(keys))),
  /** Field 62 of a 370 download request for `{ rid, index }`. */
  capkDownloadRequest: (key) => toHex(call(wasm.tmsCapkDownloadRequest, arg(key))),
  /** One CA public key entry, SHA-1 verified (`tms.checksum_mismatch` when it is not). */
  parseCapk: (entry) => out(call(wasm.tmsParseCapk, bytes(entry, 'entry'))),
  /** A key with its checksum computed (DF06 / DF07 = 1). */
  newCapk: ({ rid, index, expiry, modulus, exponent }) =>
    out(call(wasm.tmsNewCapk, String(rid), Number(index), String(expiry), String(modulus), String(exponent))),
  /** A key as its TLV entry. */
  capkToTlv: (capk) => toHex(call(wasm.tmsCapkToTlv, arg(capk))),
  /** Field 62 of a 370 reply: `1` + the key, or `0` for `null`. */
  encodeCapkDownload: (capk) => toHex(call(wasm.tmsEncodeCapkDownload, optArg(capk))),
  /** The AIDs of a 382 reply body. */
  parseAidQuery: (body) => out(call(wasm.tmsParseAidQuery, bytes(body, 'body'))),
  /** Field 62 of a 382 reply (the simulator's side). */
  encodeAidQuery: (continuation, aids) =>
    toHex(call(wasm.tmsEncodeAidQuery, JSON.stringify(continuation), JSON.stringify(aids))),
  /** Field 62 of a 380 download request. */
  aidDownloadRequest: (aid) => toHex(call(wasm.tmsAidDownloadRequest, String(aid))),
  /** One AID entry -> its EMV parameters. */
  parseAid: (entry) => out(call(wasm.tmsParseAid, bytes(entry, 'entry'))),
  /** AID parameters as their TLV entry. */
  aidToTlv: (params) => toHex(call(wasm.tmsAidToTlv, arg(params))),
  /** Field 62 of a 380 reply: `1` + the entry, or `0` for `null`. */
  encodeAidDownload: (params) => toHex(call(wasm.tmsEncodeAidDownload, optArg(params))),
  /** A 360 reply's field 62 -> the terminal parameters. */
  parseParams: (field62) => out(call(wasm.tmsParseParams, bytes(field62, 'field62'))),
  /** Every item of a 360 reply / 362 request as sent: `[{ tag, value }]`. */
  rawParamItems: (field62) => out(call(wasm.tmsRawParamItems, bytes(field62, 'field62'))),
  /** Field 62 of a 360 reply (the simulator's side). */
  encodeParams: (params) => toHex(call(wasm.tmsEncodeParams, arg(params))),
  /** Field 62 of a 362 status upload. */
  statusUploadRequest: (params, dialStats) =>
    toHex(call(wasm.tmsStatusUploadRequest, arg(params), optArg(dialStats))),
  /** A 362 request's field 62 -> `{ params, dialStats }` (the simulator's side). */
  parseStatusReport: (field62) => out(call(wasm.tmsParseStatusReport, bytes(field62, 'field62'))),
});
