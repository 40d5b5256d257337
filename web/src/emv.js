// EMV issuer cryptograms: ICC master keys (EMV Book 2 Annex A1.4 Options A and B), session keys
// (A1.3.1), ARQC (Visa CVN 10 and 18) and ARPC (methods 1 and 2). A thin mapping onto the wasm
// exports; every algorithm is in the Rust core (`poscore::emv`).
//
// Keys are opaque `Key` handles (an issuer master key has usage `issuer_master_key`); byte inputs
// are a Uint8Array or hex, byte outputs UPPERCASE hex. A cryptogram that does not verify is
// `false`, never an exception; malformed input throws an `EmvError` naming it (`pan`, `atc`...).
import * as wasm from '../pkg/poscore_wasm.js';
import { call, toPoscoreError } from './errors.js';
import { toBytes, toHex } from './convert.js';
import { keyFromHandle, rawKey } from './crypto.js';

const bytes = (value, what) => toBytes((h) => call(wasm.hexDecode, h), value, what);
const optBytes = (value, what) => (value === undefined || value === null ? undefined : bytes(value, what));

/** Runs a wasm check: true when it passes, false on `emv.arqc_mismatch`, throws otherwise. */
const verifies = (fn) => {
  try {
    fn();
    return true;
  } catch (e) {
    const err = toPoscoreError(e);
    if (err.code === 'emv.arqc_mismatch') return false;
    throw err;
  }
};

/** The building blocks, one per pyemv function (`pyemv.kd`, `pyemv.ac`). */
export const Emv = Object.freeze({
  /** The ICC master key of a card (`option`: `option_a`, the default, or `option_b`). */
  iccMasterKey: (imk, pan, psn, { option = 'option_a' } = {}) =>
    keyFromHandle(call(wasm.emvIccMasterKey, rawKey(imk, 'imk'), String(pan), String(psn), String(option))),
  /** The EMV common session key for an 8-byte diversification value `r`. */
  commonSessionKey: (masterKey, r) => keyFromHandle(call(wasm.emvCommonSessionKey, rawKey(masterKey, 'masterKey'), bytes(r, 'r'))),
  /** The AC key of a CVN (10: the master key itself; 18: the common session key of the ATC). */
  sessionKey: (masterKey, cvn, atc) =>
    keyFromHandle(call(wasm.emvSessionKey, rawKey(masterKey, 'masterKey'), Number(cvn), bytes(atc, 'atc'))),
  /** An application cryptogram (ARQC, TC, AAC) with `padding` `emv` (80, the default) or `visa` (zeros). */
  applicationCryptogram: (key, data, { padding = 'emv' } = {}) =>
    toHex(call(wasm.emvApplicationCryptogram, rawKey(key), bytes(data, 'data'), String(padding))),
  /** The ARQC a CVN computes over `data` under its AC key. */
  arqc: (key, cvn, data) => toHex(call(wasm.emvArqc, rawKey(key), Number(cvn), bytes(data, 'data'))),
  /** Constant-time check of a received ARQC: false when it does not match. */
  verifyArqc: (key, cvn, data, arqc) =>
    verifies(() => wasm.emvVerifyArqc(rawKey(key), Number(cvn), bytes(data, 'data'), bytes(arqc, 'arqc'))),
  /** ARPC method 1 (8 bytes) for a 2-byte ARC (tag 8A, `3030` for "00"). */
  arpcMethod1: (key, arqc, arc) => toHex(call(wasm.emvArpcMethod1, rawKey(key), bytes(arqc, 'arqc'), bytes(arc, 'arc'))),
  /** ARPC method 2 (4 bytes) for a 4-byte CSU and 0-8 bytes of proprietary authentication data. */
  arpcMethod2: (key, arqc, csu, { propAuthData } = {}) =>
    toHex(
      call(wasm.emvArpcMethod2, rawKey(key), bytes(arqc, 'arqc'), bytes(csu, 'csu'), optBytes(propAuthData, 'propAuthData')),
    ),
});

/**
 * An issuer (or a simulator acting as one): its master key, and the checks and answers it
 * computes for any of its cards. `cvn` is 10 or 18 (Visa); `psn` is 2 digits (`00` when the card
 * has none). The key stays in wasm memory; `free()` wipes it.
 */
export class EmvIssuer {
  #inner;
  constructor(imk) {
    this.#inner = call(() => new wasm.EmvIssuer(rawKey(imk, 'imk')));
    Object.freeze(this);
  }
  /** The card's ICC master key, by the CVN's option. */
  iccMasterKey({ pan, psn, cvn }) {
    return keyFromHandle(call(() => this.#inner.iccMasterKey(String(pan), String(psn), Number(cvn))));
  }
  /** The card's AC key for the transaction with counter `atc`. */
  acKey({ pan, psn, atc, cvn }) {
    return keyFromHandle(call(() => this.#inner.acKey(String(pan), String(psn), bytes(atc, 'atc'), Number(cvn))));
  }
  /** True when the card's ARQC over `data` verifies (constant time); false when it does not. */
  checkArqc({ pan, psn, atc, data, arqc, cvn }) {
    const args = [String(pan), String(psn), bytes(atc, 'atc'), bytes(data, 'data'), bytes(arqc, 'arqc'), Number(cvn)];
    return verifies(() => this.#inner.checkArqc(...args));
  }
  /**
   * The ARPC answering `arqc`: `arc` for CVN 10 (method 1), `csu` and optional `propAuthData` for
   * CVN 18 (method 2). `{ arpc, issuerAuthenticationData }`, the latter the value of tag 91.
   */
  arpc({ pan, psn, atc, arqc, cvn, arc, csu, propAuthData }) {
    const r = call(() =>
      this.#inner.arpc(
        String(pan),
        String(psn),
        bytes(atc, 'atc'),
        bytes(arqc, 'arqc'),
        Number(cvn),
        optBytes(arc, 'arc'),
        optBytes(csu, 'csu'),
        optBytes(propAuthData, 'propAuthData'),
      ),
    );
    try {
      return { arpc: toHex(r.arpc()), issuerAuthenticationData: toHex(r.issuerAuthenticationData()) };
    } finally {
      r.free();
    }
  }
  /** Wipe the issuer master key now instead of when the object is garbage-collected. */
  free() {
    this.#inner.free();
  }
  /** The issuer master key's algorithm, usage and check value, never the key. */
  toString() {
    return this.#inner.describe();
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `EmvIssuer <${this.toString()}>`;
  }
}
