// Payment cryptography: keys, PIN blocks, MACs, DUKPT, TR-31, sign-on working keys. A thin
// mapping onto the wasm exports; every algorithm is in the Rust core.
//
// Keys are opaque `Key` handles: the bytes stay inside the WebAssembly memory (wiped when the
// handle is freed or collected) and cross into JS only through `Key.dangerous*` functions, meant
// for test keys and key ceremonies. Clear PINs come out only through `PinBlock.dangerous*`.
// Byte inputs are a Uint8Array or a hex string; byte outputs are UPPERCASE hex strings.
import * as wasm from '../pkg/poscore_wasm.js';
import { call, toPoscoreError } from './errors.js';
import { fromCore, toCore, toBytes, toHex } from './convert.js';

const bytes = (value, what) => toBytes((h) => call(wasm.hexDecode, h), value, what);
const optBytes = (value, what) => (value === undefined || value === null ? undefined : bytes(value, what));
const optStr = (value) => (value === undefined || value === null ? undefined : String(value));
const optNum = (value) => (value === undefined || value === null ? undefined : Number(value));

const handles = new WeakMap();
const sealed = Symbol('poscore.Key');
const wrapKey = (handle) => new Key(sealed, handle);

/** The wasm handle behind a `Key`; throws a TypeError for anything else. */
function raw(key, what = 'key') {
  const h = key instanceof Key ? handles.get(key) : undefined;
  if (!h) throw new TypeError(`${what} must be a poscore Key`);
  return h;
}

/**
 * A secret key: algorithm, usage, and bytes that never enter JS memory. Build one from a wrapped
 * form (`Tr31.unwrap`, `WorkingKeys.parseField62`), derive it (`Dukpt`), generate it, or, for
 * test keys and key ceremonies only, from plain bytes with `Key.dangerousFromHex`.
 */
export class Key {
  constructor(token, handle) {
    if (token !== sealed) throw new TypeError('use Key.dangerousFromHex, Key.generate, Tr31.unwrap, ...');
    handles.set(this, handle);
    Object.freeze(this);
  }
  /**
   * **Dangerous** (test keys, key ceremony): a key from plain hex. `algorithm`: `des`, `tdes2`,
   * `tdes3`, `aes128`, `aes192`, `aes256`, `sm4`, or `tdes` / `aes` to pick by length.
   */
  static dangerousFromHex(algorithm, usage, hex) {
    return wrapKey(call(wasm.Key.dangerousFromHex, String(algorithm), String(usage), String(hex)));
  }
  /** **Dangerous** (test keys, key ceremony): a key from plain bytes. */
  static dangerousFromBytes(algorithm, usage, keyBytes) {
    return wrapKey(call(wasm.Key.dangerousFromBytes, String(algorithm), String(usage), bytes(keyBytes, 'key')));
  }
  /** A fresh random key from the system CSPRNG (`seed`: deterministic, tests only). */
  static generate(algorithm, usage, { seed } = {}) {
    return wrapKey(call(wasm.Key.generate, String(algorithm), String(usage), optNum(seed)));
  }
  get algorithm() {
    return raw(this).algorithm();
  }
  get usage() {
    return raw(this).usage();
  }
  /** Key check value, hex. Defaults: AES keys CMAC of zeros, 5 bytes; others encrypt zeros, 3 bytes. */
  kcv({ method, length } = {}) {
    return toHex(call(() => raw(this).kcv(optStr(method), optNum(length))));
  }
  /** **Dangerous** (key ceremony, tests): the plain key bytes as hex. */
  dangerousExportHex() {
    return toHex(raw(this).dangerousExport());
  }
  /** Wipe the key now instead of when it is garbage-collected. The handle is unusable afterwards. */
  free() {
    const h = handles.get(this);
    if (h) {
      handles.delete(this);
      h.free();
    }
  }
  /** `Tdes2 PinEncryption key (KCV 08D7B4)`: algorithm, usage and check value, never the key. */
  toString() {
    const h = handles.get(this);
    return h ? h.describe() : 'freed key';
  }
  toJSON() {
    return { algorithm: this.algorithm, usage: this.usage, kcv: this.kcv({ method: 'encrypt_zeros', length: 3 }) };
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Key <${this.toString()}>`;
  }
  get [Symbol.toStringTag]() {
    return 'Key';
  }
}

const pinArgs = ({ format = 0, pan, seed, fill } = {}) => [
  Number(format),
  optStr(pan),
  optNum(seed),
  optBytes(fill, 'fill'),
];

/**
 * ISO 9564-1 PIN blocks, formats 0-3 (8 bytes, TDES/SM4) and 4 (16 bytes, AES). Random fill comes
 * from the system CSPRNG; `seed` / `fill` pin it for tests and vectors only.
 */
export const PinBlock = Object.freeze({
  /** The clear PIN block, hex. */
  encode: (pin, options) => {
    const [f, ...r] = pinArgs(options);
    return toHex(call(wasm.pinEncode, f, String(pin), ...r));
  },
  /** Encode and encipher under a PIN key: what a terminal sends in field 52. Hex. */
  encrypt: (key, pin, options) => {
    const [f, ...r] = pinArgs(options);
    return toHex(call(wasm.pinEncrypt, raw(key), f, String(pin), ...r));
  },
  /** **Dangerous** (HSM-style tests): the clear PIN in a clear block. */
  dangerousDecode: (block, { format = 0, pan } = {}) =>
    call(wasm.pinDangerousDecode, Number(format), bytes(block, 'block'), optStr(pan)),
  /** **Dangerous** (HSM-style tests): decipher and decode to the clear PIN. */
  dangerousDecrypt: (key, block, { format = 0, pan } = {}) =>
    call(wasm.pinDangerousDecrypt, raw(key), Number(format), bytes(block, 'block'), optStr(pan)),
  /** Re-encipher a PIN block under another key and/or format; the PIN stays in the core. Hex. */
  translate: (block, { fromKey, fromFormat = 0, toKey, toFormat = 0, pan, seed, fill }) =>
    toHex(
      call(
        wasm.pinTranslate,
        raw(fromKey, 'fromKey'),
        Number(fromFormat),
        raw(toKey, 'toKey'),
        Number(toFormat),
        bytes(block, 'block'),
        optStr(pan),
        optNum(seed),
        optBytes(fill, 'fill'),
      ),
    ),
});

const generate = (key, algorithm, data, { padding = 1, length } = {}) =>
  toHex(call(wasm.macGenerate, raw(key), String(algorithm), bytes(data, 'data'), Number(padding), optNum(length)));

/** MACs: ISO 9797-1 algorithms 1 and 3 (X9.19), the UnionPay ECB MAC, AES-CMAC, SM4-CMAC. */
export const Mac = Object.freeze({
  /** `algorithm`: `iso9797-1-alg1`, `iso9797-1-alg3` (= `x9.19`), `cup-ecb`, `aes-cmac`, `sm4-cmac`. Hex. */
  generate,
  /**
   * Constant-time check; false when the MAC does not match, throws for a wrong key or input.
   * `length`: the tag length the protocol prescribes, the algorithm's full MAC by default; a tag
   * of any other length throws `mac.bad_length` (a received message never picks its truncation).
   */
  verify: (key, algorithm, data, mac, { padding = 1, length } = {}) => {
    try {
      wasm.macVerify(
        raw(key),
        String(algorithm),
        bytes(data, 'data'),
        Number(padding),
        bytes(mac, 'mac'),
        optNum(length),
      );
      return true;
    } catch (e) {
      const err = toPoscoreError(e);
      if (err.code === 'mac.mismatch') return false;
      throw err;
    }
  },
  iso9797Alg1: (key, data, options) => generate(key, 'iso9797-1-alg1', data, options),
  iso9797Alg3: (key, data, options) => generate(key, 'iso9797-1-alg3', data, options),
  x919: (key, data, options) => generate(key, 'x9.19', data, options),
  cupEcb: (key, data, options) => generate(key, 'cup-ecb', data, options),
  aesCmac: (key, data, options) => generate(key, 'aes-cmac', data, options),
  sm4Cmac: (key, data, options) => generate(key, 'sm4-cmac', data, options),
});

const zeroIv = (key) => new Uint8Array(/^(des|tdes)/.test(key.algorithm) ? 8 : 16);

/** CBC encryption of whole blocks under a data key (track data, DUKPT data keys). */
export const Data = Object.freeze({
  encrypt: (key, data, { iv } = {}) =>
    toHex(call(wasm.dataEncrypt, raw(key), iv === undefined ? zeroIv(key) : bytes(iv, 'iv'), bytes(data, 'data'))),
  decrypt: (key, data, { iv } = {}) =>
    toHex(call(wasm.dataDecrypt, raw(key), iv === undefined ? zeroIv(key) : bytes(iv, 'iv'), bytes(data, 'data'))),
});

/** The PIK, MAK and optional TDK a UnionPay sign-on (0810, field 62) installs. */
export class WorkingKeys {
  #inner;
  constructor(inner) {
    this.#inner = inner;
    Object.freeze(this);
  }
  /** Decrypt field 62 under the TMK and check every key's check value (`keys.kcv_mismatch`). */
  static parseField62(tmk, field62) {
    return new WorkingKeys(call(wasm.WorkingKeys.parseField62, raw(tmk, 'tmk'), bytes(field62, 'field62')));
  }
  /** Host / simulator side: field 62 for these keys under the TMK, hex. */
  static buildField62(tmk, { pik, mak, tdk }) {
    const out = tdk
      ? call(wasm.buildField62WithTdk, raw(tmk, 'tmk'), raw(pik, 'pik'), raw(mak, 'mak'), raw(tdk, 'tdk'))
      : call(wasm.buildField62, raw(tmk, 'tmk'), raw(pik, 'pik'), raw(mak, 'mak'));
    return toHex(out);
  }
  get pik() {
    return wrapKey(this.#inner.pik());
  }
  get mak() {
    return wrapKey(this.#inner.mak());
  }
  get tdk() {
    const t = this.#inner.tdk();
    return t === undefined ? null : wrapKey(t);
  }
  toString() {
    return this.#inner.describe();
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `WorkingKeys <${this.toString()}>`;
  }
}

const tdesKeys = (k, ipek = k.ipek()) => ({
  ipek: ipek === undefined ? null : wrapKey(ipek),
  transactionKey: wrapKey(k.transactionKey()),
  pinKey: wrapKey(k.pinKey()),
  macRequestKey: wrapKey(k.macRequestKey()),
  macResponseKey: wrapKey(k.macResponseKey()),
  dataRequestKey: wrapKey(k.dataRequestKey()),
  dataResponseKey: wrapKey(k.dataResponseKey()),
});

const aesNames = (key, { keyUsage = 'pin', keyType } = {}) => [String(keyUsage), String(keyType ?? key.algorithm)];

/** DUKPT, host side: ANSI X9.24-1 TDES (variants) and X9.24-3 AES. */
export const Dukpt = Object.freeze({
  /** The TDES IPEK of a KSN's initial key ID, from the BDK. */
  ipek: (bdk, ksn) => wrapKey(call(wasm.dukptTdesIpek, raw(bdk, 'bdk'), bytes(ksn, 'ksn'))),
  /** Every TDES key of a KSN from the BDK or the IPEK (`dukpt_initial_key` usage). */
  derive: (bdkOrIpek, ksn) => tdesKeys(call(wasm.dukptTdesDerive, raw(bdkOrIpek, 'bdk'), bytes(ksn, 'ksn'))),
  /** The TDES transaction key of a KSN (before any variant). */
  deriveTransactionKey: (bdkOrIpek, ksn) => Dukpt.derive(bdkOrIpek, ksn).transactionKey,
  /** The AES initial key for an 8-byte initial key ID, from the BDK. */
  aesInitialKey: (bdk, initialKeyId) =>
    wrapKey(call(wasm.dukptAesInitialKey, raw(bdk, 'bdk'), bytes(initialKeyId, 'initialKeyId'))),
  /**
   * AES DUKPT from the BDK or the initial key: `keyUsage` `pin` (default), `mac-generate`,
   * `mac-verify`, `mac-both`, `data-encrypt`, `data-decrypt`, `data-both`, `kek`; `keyType`
   * `2tdea`, `3tdea`, `aes128`, `aes192`, `aes256` (default: the BDK's).
   */
  aesDerive: (bdkOrInitialKey, ksn, options) => {
    const k = call(wasm.dukptAesDerive, raw(bdkOrInitialKey, 'bdk'), bytes(ksn, 'ksn'), ...aesNames(bdkOrInitialKey, options));
    return { initialKey: wrapKey(k.initialKey()), derivationKey: wrapKey(k.derivationKey()), workingKey: wrapKey(k.workingKey()) };
  },
});

/** A DUKPT terminal (PIN pad side): future-key registers, counter, exhaustion, persisted state. */
export class DukptTerminal {
  #inner;
  #scheme;
  constructor(scheme, inner) {
    this.#scheme = scheme;
    this.#inner = inner;
  }
  /** TDES: load from the IPEK and initial KSN. `resume: true` starts at the KSN's counter (test benches). */
  static tdes(ipek, ksn, { resume = false } = {}) {
    return new DukptTerminal('tdes', call(wasm.TdesDukptTerminal.load, raw(ipek, 'ipek'), bytes(ksn, 'ksn'), resume));
  }
  /** AES: load from the initial key and its 8-byte ID, or (`resume: true`) at a 12-byte KSN. */
  static aes(initialKey, idOrKsn, { resume = false } = {}) {
    const inner = call(wasm.AesDukptTerminal.load, raw(initialKey, 'initialKey'), bytes(idOrKsn, 'initialKeyId'), resume);
    return new DukptTerminal('aes', inner);
  }
  /** **Dangerous**: restore from `dangerousExportState` (keep the state in the secure store). */
  static dangerousImportState(state) {
    const b = bytes(state, 'state');
    try {
      return new DukptTerminal('tdes', call(wasm.TdesDukptTerminal.dangerousImportState, b));
    } catch (e) {
      if (e.code !== 'dukpt.bad_state') throw e;
      return new DukptTerminal('aes', call(wasm.AesDukptTerminal.dangerousImportState, b));
    }
  }
  /** **Dangerous**: the registers (future keys) as hex, for the terminal's secure store. */
  dangerousExportState() {
    return toHex(this.#inner.dangerousExportState());
  }
  get scheme() {
    return this.#scheme;
  }
  /** The counter the next transaction uses. */
  get counter() {
    return this.#inner.counter();
  }
  get exhausted() {
    return this.#inner.isExhausted();
  }
  /** The next transaction's KSN (hex) and keys; throws `dukpt.exhausted` at the end of the key set. */
  nextTransaction() {
    const t = call(() => this.#inner.nextTransaction());
    const ksn = toHex(t.ksn());
    if (this.#scheme === 'tdes') return { scheme: 'tdes', ksn, ...tdesKeys(t.keys()) };
    // AES: working keys are derived on demand from the transaction's derivation key.
    return {
      scheme: 'aes',
      ksn,
      workingKey: ({ keyUsage = 'pin', keyType } = {}) =>
        wrapKey(call(() => t.workingKey(String(keyUsage), String(keyType ?? t.keyAlgorithm())))),
    };
  }
  toString() {
    return `DukptTerminal <${this.#scheme}, counter ${this.counter}>`;
  }
}

/** TR-31 key blocks, versions B (TDES) and D (AES). */
export const Tr31 = Object.freeze({
  /**
   * Wrap `key` under the KBPK. `header`: a template such as `B0000P0TE00N0000` or a header object.
   * `seed` pins the random padding (tests only).
   */
  wrap: (kbpk, key, header, { maskedKeyLen, seed } = {}) =>
    call(
      wasm.tr31Wrap,
      raw(kbpk, 'kbpk'),
      raw(key),
      typeof header === 'string' ? header : toCore({ reserved: '00', optionalBlocks: [], ...header }),
      optNum(maskedKeyLen),
      optNum(seed),
    ),
  /** Unwrap (the MAC is verified before anything else): `{ header, key }`, the key as a handle. */
  unwrap: (kbpk, block) => {
    const b = call(wasm.tr31Unwrap, raw(kbpk, 'kbpk'), String(block));
    return { header: fromCore(b.header()), key: wrapKey(b.key()) };
  },
});

/** The wasm handle behind a `Key`, for other modules of this package (not exported publicly). */
export const rawKey = raw;
/** A `Key` around a wasm key handle, for other modules of this package (not exported publicly). */
export const keyFromHandle = wrapKey;
