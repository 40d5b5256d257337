// Hand-written types for the poscore npm package. `web/test/types/usage.ts` is checked against
// them with `tsc --noEmit` and run, so they stay true to the runtime.

/** Load the WebAssembly module. Required once in browsers; a no-op under Node. */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Version of the Rust core inside this package. */
export function version(): string;

/** Options for the error constructors. */
export interface PoscoreErrorDetails {
  code?: string;
  module?: string;
  offset?: number;
  field?: number;
  diagnosis?: EngineDiagnosis;
  cause?: unknown;
}

/** Base class of every error poscore throws. */
export class PoscoreError extends Error {
  constructor(message: string, details?: PoscoreErrorDetails);
  /** Stable machine-readable code, `module.reason` (e.g. `card.unexpected_char`). */
  readonly code: string;
  /** The core module that failed (`card`, ...). */
  readonly module: string;
  /** Character or byte offset the error points at, when known. */
  readonly offset?: number;
  /** ISO 8583 field number the error points at, when known. */
  readonly field?: number;
  /**
   * What the operator should see and do, when the failure is theirs to handle (not signed on
   * T501, unresolved reversal T701, failing journal 103): the same shape as an event's diagnosis.
   */
  readonly diagnosis?: EngineDiagnosis;
}

/** Card number, track 2 or payment-code parsing failed. */
export class CardError extends PoscoreError {}

/** Card scheme decided from the IIN. */
export type Brand = 'union_pay' | 'visa' | 'mastercard' | 'amex' | 'jcb' | 'discover' | 'diners_club' | 'unknown';

/** Wallet of a scanned payment code (付款码). */
export type PaymentCodeKind = 'wechat_pay' | 'alipay' | 'union_pay_qr';

/** How much of a PAN stays visible. Defaults: 6, 4, `*`. */
export interface MaskPolicy {
  keepFirst?: number;
  keepLast?: number;
  maskChar?: string;
}

/** Card expiry (two-digit year, month 1-12). */
export interface Expiry {
  year: number;
  month: number;
}

/** The displayable part of track 2 data: no full PAN, no discretionary data. */
export interface Track2Summary {
  maskedPan: string;
  brand: Brand;
  luhnValid: boolean;
  expiry: Expiry;
  serviceCode: string;
  chipCard: boolean;
  discretionaryLen: number;
}

/** What `card.inspect` recognised. */
export interface Inspection {
  kind: 'pan' | 'track2' | 'payment_code';
  brand: Brand;
  luhnValid: boolean;
  masked: string;
  length: number;
  expiry: string | null;
  serviceCode: string | null;
  chipCard: boolean | null;
  paymentCode: PaymentCodeKind | null;
}

/** Card numbers, track 2 data and scanned payment codes. */
export const card: {
  /** True when all digits and the last one is a correct Luhn check digit. */
  luhnValid(number: string): boolean;
  /** The Luhn check digit to append. Throws `CardError` on non-digits. */
  luhnCheckDigit(partial: string): number;
  /** First 6 / last 4 (or the policy's) masked PAN. Throws `CardError` on non-digits. */
  maskPan(pan: string, policy?: MaskPolicy): string;
  /** Card brand by IIN. */
  brand(pan: string): Brand;
  /** Parse track 2 (`PAN=YYMMSSS...`, `;...?`, or the chip `D` form). Throws `CardError`. */
  parseTrack2(input: string): Track2Summary;
  /** Classify a scanned payment code, or null. */
  classifyPaymentCode(code: string): PaymentCodeKind | null;
  /** Recognise a PAN, track 2 data or payment code. Throws `CardError`. */
  inspect(input: string): Inspection;
};

/** The response-code registry could not load a profile, language tag or event key. */
export class ResponseError extends PoscoreError {}

/** A receipt could not be built or rendered. */
export class ReceiptError extends PoscoreError {}
/** A merchant report could not be built or rendered (`report.bad_field` names the field). */
export class ReportError extends PoscoreError {}

/** Language of texts: `zh` (also `zh-CN`) or `en`. */
export type Lang = 'zh' | 'zh-CN' | 'en';

/** The class of outcome the transaction engine acts on. */
export type Outcome =
  | 'Approved'
  | 'Declined'
  | 'RetryNow'
  | 'RetryLater'
  | 'ReverseThenRetry'
  | 'SignOnAgain'
  | 'CallIssuer'
  | 'PickUpCard'
  | 'FixTerminal'
  | 'OperatorError';

/** Why it happened. */
export type Cause =
  | 'none'
  | 'network'
  | 'host_maintenance'
  | 'account_balance'
  | 'account_restricted'
  | 'amount_limit'
  | 'card'
  | 'pin'
  | 'payment_method'
  | 'terminal_hardware'
  | 'terminal_software'
  | 'operator'
  | 'issuer'
  | 'unknown';

/** What kind of request a response or failure belongs to. */
export type RequestKind = 'financial' | 'advice' | 'reversal' | 'inquiry' | 'sign_on' | 'settlement' | 'management';

/** A code explained in one language. */
export interface Explanation {
  code: string;
  source: 'iso' | 'unionpay' | 'terminal' | 'acquirer';
  outcome: Outcome;
  cause: Cause;
  operatorText: string;
  customerText: string;
  remedies: string[];
  /** True when the code is not in the registry and a default entry was used. */
  unknown: boolean;
}

interface DiagnosisBase extends Explanation {
  /** The profile that decided. */
  profile: string;
}

/**
 * What happened and what the engine does next, discriminated by `action`. Only `reverse` may
 * carry a reversal reason (field 39 of the 0400: `98`, `A0`, `06`; null when resending).
 */
export type Diagnosis =
  | (DiagnosisBase & { action: 'reverse'; reversalReason: string | null })
  | (DiagnosisBase & {
      action: 'complete' | 'decline' | 'retry_now' | 'retry_later' | 'reversal_done' | 'query' | 'sign_on' | 'attend';
      reversalReason: null;
    });

/** A response-code registry: bundled profile or acquirer profile. */
export class ResponseRegistry {
  private constructor();
  /** `iso` or `unionpay` (default). */
  static bundled(name?: string): ResponseRegistry;
  /** An acquirer profile (JSON text or object with `name`, `base`, `entries`, ...). */
  static fromProfile(profile: string | object): ResponseRegistry;
  readonly name: string;
  explain(code: string, options?: { lang?: Lang }): Explanation;
  /** `event`: a host code (`51`, `code:51`) or a local failure key (`comm.receive_timeout.after_send`). */
  diagnose(event: string, options?: { request?: RequestKind; lang?: Lang }): Diagnosis;
}

/** Response codes and failure diagnosis (bundled profiles). */
export const response: {
  registry(name?: string): ResponseRegistry;
  explain(code: string, options?: { profile?: string; lang?: Lang }): Explanation;
  diagnose(event: string, options?: { profile?: string; request?: RequestKind; lang?: Lang }): Diagnosis;
  /** Canonical language (`zh-CN` -> `zh`); throws ResponseError for unknown tags. */
  parseLang(tag: string): 'zh' | 'en';
  /** Canonical event key; throws ResponseError for malformed keys. */
  parseEvent(key: string): string;
};

/** Rendering options. Defaults: 32 columns (58 mm), zh, merchant copy, no reprint mark, 免签 up to 100000 minor units. */
export interface RenderOptions {
  width?: number;
  lang?: 'zh' | 'en';
  copy?: 'merchant' | 'cardholder' | 'bank';
  reprint?: boolean;
  noSignatureLimit?: number;
}

/** A completed-transaction record (the JSON schema documented in the core's `receipt` module), as object or JSON text. */
export type ReceiptInput = string | Record<string, unknown>;

/** Report rendering options: 32 or 48 columns, Chinese or English. */
export interface ReportOptions {
  width?: 32 | 48;
  lang?: 'zh' | 'en';
}

/** A settlement report or terminal totals, as `Terminal.lastSettlementReport()` returns it. */
export interface SettlementReport {
  kind: 'settlement' | 'terminal_totals';
  merchantName: string;
  merchantId: string;
  terminalId: string;
  operatorId?: string | null;
  batch: string;
  date: string;
  time: string;
  currency: string;
  domestic: ReportSection;
  foreign: ReportSection;
  byBrand: ReportBucket[];
  byMethod: ReportBucket[];
  reprint: boolean;
}

export interface ReportSection {
  result: 'balanced' | 'unbalanced' | 'error' | null;
  lines: Array<{ txn: 'sale' | 'completion' | 'offline_sale' | 'refund' | 'void' | 'completion_void'; count: number; amount: number }>;
}

export interface ReportBucket {
  name: string;
  count: number;
  amount: number;
}

/** Sales statistics, as `Terminal.statistics()` returns them. */
export interface StatsReport {
  merchantName: string;
  merchantId: string;
  terminalId: string;
  period: 'day' | 'week' | 'month';
  from: string;
  to: string;
  currency: string;
  rows: Array<{ label: string; count: number; gross: number; refunds: number; voids: number; net: number; averageTicket: number }>;
  byMethod: ReportBucket[];
  byBrand: ReportBucket[];
  byOperator: ReportBucket[];
  byHour: ReportBucket[];
}

/** Merchant reports (结算单, 终端统计, 日报/周报/月报). */
export const report: {
  settlementText(r: SettlementReport | string, options?: ReportOptions): string;
  settlementEscpos(r: SettlementReport | string, options?: ReportOptions): Uint8Array;
  settlementHtml(r: SettlementReport | string, options?: ReportOptions): string;
  settlementJson(r: SettlementReport | string, options?: ReportOptions): string;
  statsText(r: StatsReport | string, options?: ReportOptions): string;
  statsEscpos(r: StatsReport | string, options?: ReportOptions): Uint8Array;
  statsHtml(r: StatsReport | string, options?: ReportOptions): string;
  statsJson(r: StatsReport | string, options?: ReportOptions): string;
  statsCsv(r: StatsReport | string): string;
};

/** Receipts (出票). */
export const receipt: {
  text(txn: ReceiptInput, options?: RenderOptions): string;
  escpos(txn: ReceiptInput, options?: RenderOptions): Uint8Array;
  html(txn: ReceiptInput, options?: RenderOptions): string;
  json(txn: ReceiptInput, options?: RenderOptions): string;
};

/** An ISO 8583 message, spec or frame is malformed. */
export class Iso8583Error extends PoscoreError {
  /** The field number at fault, when known. */
  readonly field?: number;
}

/** EMV BER-TLV data is malformed. */
export class TlvError extends PoscoreError {}

/** Uppercase hex of bytes. */
export function hex(bytes: Uint8Array): string;

/** A bundled spec name or a spec (JSON text or object). */
export type SpecLike = 'cup-pos' | 'iso87binary' | 'iso87ascii' | string | Record<string, unknown>;

/** A message as the CLI prints it: values are strings; binary fields are uppercase hex. */
export interface Iso8583Message {
  mti: string;
  fields: Record<string, string>;
}

/** ISO 8583 messages. */
export const Iso8583: {
  pack(spec: SpecLike, message: Iso8583Message | string): Uint8Array;
  unpack(spec: SpecLike, bytes: Bytes): Iso8583Message;
  /** Field-by-field text with PAN/track masked, PIN block, cryptograms, keys and MAC redacted. */
  describe(spec: SpecLike, bytes: Bytes): string;
  /** The bytes the MAC covers. */
  macBlock(spec: SpecLike, message: Iso8583Message | string): Uint8Array;
  mti(mti: string): {
    mti: string;
    response: string | null;
    isRequest: boolean;
    isResponse: boolean;
    isReversal: boolean;
    isRepeat: boolean;
  };
};

/** Length header on the wire. */
export type LengthHeader = 'binary2' | 'bcd2' | 'ascii4';

/** How frames are laid out. Defaults: binary2, with TPDU, no header, 8192-byte limit. */
export interface FrameConfig {
  length?: LengthHeader;
  tpdu?: boolean;
  headerLen?: number;
  maxFrame?: number;
}

/** A decoded frame (hex strings). */
export interface DecodedFrame {
  tpdu: string | null;
  /** The TPDU with source and destination swapped, as the host answers. */
  responseTpdu: string | null;
  header: string;
  message: string;
}

export const Frame: {
  encode(frame: { length?: LengthHeader; tpdu?: string | null; header?: Bytes; message: Bytes }): Uint8Array;
  decode(bytes: Bytes, config?: FrameConfig): DecodedFrame;
};

/** Streaming frame decoder. */
export class FrameDecoder {
  constructor(config?: FrameConfig);
  push(chunk: Bytes): void;
  nextFrame(): DecodedFrame | null;
}

/** One decoded TLV object. */
export interface TlvObject {
  tag: string;
  name?: string;
  len: number;
  value?: string;
  children?: TlvObject[];
}

export const Tlv: {
  decode(bytes: Bytes, options?: { masked?: boolean }): TlvObject[];
};

// ---- Payment cryptography -------------------------------------------------------------------
//
// Keys are opaque `Key` handles: the bytes stay inside the WebAssembly memory and cross into JS
// only through the `dangerous*` functions (test keys, key ceremonies). Clear PINs come out only
// through `PinBlock.dangerous*`.
//
// Byte inputs (`Bytes`) are a Uint8Array or a hex string in either case (bad hex throws
// `KeysError` `keys.bad_hex`). Every byte output is an UPPERCASE hex string. `seed` and `fill`
// options pin the random fill for tests and shared vectors only: production calls omit them and
// get the system CSPRNG (crypto.getRandomValues).

/** Bytes in: a Uint8Array or hex digits. */
export type Bytes = Uint8Array | string;
/** Bytes out: UPPERCASE hex. */
export type Hex = string;

/** A key's length or algorithm is wrong, its usage forbids the operation, bad hex, a check value mismatch. */
export class KeysError extends PoscoreError {}
/** A PIN or PIN block is invalid (length, digits, control field, fill, PAN). */
export class PinError extends PoscoreError {}
/** MAC generation failed (`mac.bad_length`, `mac.unknown_padding`, ...). */
export class MacError extends PoscoreError {}
/** DUKPT: bad KSN, invalid counter, exhausted key set, bad state. */
export class DukptError extends PoscoreError {}
/** A TR-31 key block is malformed or does not authenticate (`tr31.mac_mismatch`). */
export class Tr31Error extends PoscoreError {}
/** The random generator failed. */
export class RngError extends PoscoreError {}

/** The journal store failed (`store.corrupt`, `store.invalid_key`, `store.sealed_key_mismatch`, `store.io`...). */
export class StoreError extends PoscoreError {}

/** The terminal engine refused a request (`terminal.not_signed_on`, `terminal.reversal_unresolved`...). */
export class TerminalError extends PoscoreError {}

export type KeyAlgorithm = 'des' | 'tdes2' | 'tdes3' | 'aes128' | 'aes192' | 'aes256' | 'sm4';
export type KeyUsage =
  | 'pin_encryption'
  | 'mac_generate'
  | 'mac_verify'
  | 'mac_both'
  | 'data_encryption'
  | 'key_encryption'
  | 'bdk'
  | 'dukpt_initial_key'
  | 'key_derivation'
  | 'issuer_master_key';
export type KcvMethod = 'encrypt_zeros' | 'cmac';

/** An opaque secret key. `toString()` / `toJSON()` show algorithm, usage and check value, never the key. */
export class Key {
  private constructor();
  /**
   * **Dangerous** (test keys, key ceremony): a key from plain hex. `tdes` / `aes` pick the
   * variant from the key length.
   */
  static dangerousFromHex(algorithm: KeyAlgorithm | 'tdes' | 'aes', usage: KeyUsage, hex: string): Key;
  /** **Dangerous** (test keys, key ceremony): a key from plain bytes. */
  static dangerousFromBytes(algorithm: KeyAlgorithm | 'tdes' | 'aes', usage: KeyUsage, bytes: Bytes): Key;
  /** A fresh random key (DES-family keys get odd parity). `seed`: tests only. */
  static generate(algorithm: KeyAlgorithm, usage: KeyUsage, options?: { seed?: number }): Key;
  readonly algorithm: KeyAlgorithm;
  readonly usage: KeyUsage;
  /** Check value. Defaults: AES CMAC of zeros, 5 bytes (X9.24-3); others encrypt zeros, 3 bytes. */
  kcv(options?: { method?: KcvMethod; length?: number }): Hex;
  /** **Dangerous** (key ceremony, tests): the plain key. */
  dangerousExportHex(): Hex;
  /** Wipe the key now; the handle is unusable afterwards (otherwise wiped when collected). */
  free(): void;
  /** `Tdes2 PinEncryption key (KCV 08D7B4)`. */
  toString(): string;
  toJSON(): { algorithm: KeyAlgorithm; usage: KeyUsage; kcv: Hex };
}

/** ISO 9564-1 PIN block format: 0-3 (8 bytes, TDES/SM4), 4 (16 bytes, AES). */
export type PinFormat = 0 | 1 | 2 | 3 | 4;

export interface PinOptions {
  /** Default 0. */
  format?: PinFormat;
  /** Required by formats 0, 3 and 4. */
  pan?: string;
  /** Test only: deterministic fill (SHA-256 counter mode over the seed, an unsigned 32-bit integer). */
  seed?: number;
  /** Test only: the exact random bytes to use (published examples). */
  fill?: Bytes;
}

/** ISO 9564-1 PIN blocks. */
export const PinBlock: {
  /** The clear PIN block. */
  encode(pin: string, options?: PinOptions): Hex;
  /** Encode and encipher under a `pin_encryption` key (AES for format 4). */
  encrypt(key: Key, pin: string, options?: PinOptions): Hex;
  /** **Dangerous** (HSM-style tests): the PIN in a clear block; validates control field, fill, PAN. */
  dangerousDecode(block: Bytes, options?: { format?: PinFormat; pan?: string }): string;
  /** **Dangerous** (HSM-style tests): decipher and decode to the PIN. */
  dangerousDecrypt(key: Key, block: Bytes, options?: { format?: PinFormat; pan?: string }): string;
  /** Re-encipher under another key and/or format (acquirer / HSM); the PIN stays in the core. */
  translate(
    block: Bytes,
    options: { fromKey: Key; fromFormat?: PinFormat; toKey: Key; toFormat?: PinFormat; pan?: string; seed?: number; fill?: Bytes },
  ): Hex;
};

export type MacAlgorithm = 'iso9797-1-alg1' | 'iso9797-1-alg3' | 'x9.19' | 'cup-ecb' | 'aes-cmac' | 'sm4-cmac';

export interface MacOptions {
  /** ISO 9797-1 padding method 1 (default), 2 or 3; algorithms 1 and 3 only. */
  padding?: 1 | 2 | 3;
  /** Truncate to this many bytes (at least 4). */
  length?: number;
}

/** MACs. The key's usage must allow generation (`mac_generate`, `mac_both`) or verification. */
export const Mac: {
  generate(key: Key, algorithm: MacAlgorithm, data: Bytes, options?: MacOptions): Hex;
  /**
   * Constant-time; false when the MAC does not match, throws for a wrong key or input.
   * `length`: the tag length the protocol prescribes (at least 4), the algorithm's full MAC by
   * default; a tag of any other length throws `mac.bad_length`.
   */
  verify(key: Key, algorithm: MacAlgorithm, data: Bytes, mac: Bytes, options?: { padding?: 1 | 2 | 3; length?: number }): boolean;
  iso9797Alg1(key: Key, data: Bytes, options?: MacOptions): Hex;
  iso9797Alg3(key: Key, data: Bytes, options?: MacOptions): Hex;
  /** ANSI X9.19 retail MAC (= ISO 9797-1 algorithm 3, 2TDEA key). */
  x919(key: Key, data: Bytes, options?: MacOptions): Hex;
  /** China UnionPay POS "ECB" MAC: 8 ASCII hex characters, returned as the hex of those bytes. */
  cupEcb(key: Key, data: Bytes, options?: MacOptions): Hex;
  aesCmac(key: Key, data: Bytes, options?: MacOptions): Hex;
  sm4Cmac(key: Key, data: Bytes, options?: MacOptions): Hex;
};

/** CBC over whole blocks under a `data_encryption` key (padding is the caller's). IV defaults to zeros. */
export const Data: {
  encrypt(key: Key, data: Bytes, options?: { iv?: Bytes }): Hex;
  decrypt(key: Key, data: Bytes, options?: { iv?: Bytes }): Hex;
};

/** The working keys of a UnionPay sign-on (field 62), each check value verified. */
export class WorkingKeys {
  private constructor();
  /** Decrypt field 62 under the TMK (`key_encryption`); `keys.kcv_mismatch` names the key. */
  static parseField62(tmk: Key, field62: Bytes): WorkingKeys;
  /** Host / simulator side: field 62 for these keys under the TMK. */
  static buildField62(tmk: Key, keys: { pik: Key; mak: Key; tdk?: Key | null }): Hex;
  readonly pik: Key;
  readonly mak: Key;
  readonly tdk: Key | null;
  toString(): string;
}

/** Every TDES DUKPT key of one KSN. `ipek` is null on the terminal side. */
export interface TdesDukptKeys {
  ipek: Key | null;
  transactionKey: Key;
  pinKey: Key;
  macRequestKey: Key;
  macResponseKey: Key;
  dataRequestKey: Key;
  dataResponseKey: Key;
}

export type DukptKeyUsage =
  | 'pin'
  | 'mac-generate'
  | 'mac-verify'
  | 'mac-both'
  | 'data-encrypt'
  | 'data-decrypt'
  | 'data-both'
  | 'kek';
export type DukptKeyType = '2tdea' | '3tdea' | 'aes128' | 'aes192' | 'aes256';

export interface AesDukptOptions {
  /** Default `pin`. */
  keyUsage?: DukptKeyUsage;
  /** Default: the initial key's AES length. */
  keyType?: DukptKeyType;
}

/** DUKPT host side: ANSI X9.24-1 TDES and X9.24-3 AES. */
export const Dukpt: {
  /** The IPEK for a KSN, from a `bdk` key. */
  ipek(bdk: Key, ksn: Bytes): Key;
  /** Every TDES key of a KSN, from a `bdk` or a `dukpt_initial_key` (IPEK). */
  derive(bdkOrIpek: Key, ksn: Bytes): TdesDukptKeys;
  /** The TDES transaction key of a KSN (before any variant). */
  deriveTransactionKey(bdkOrIpek: Key, ksn: Bytes): Key;
  /** The AES initial key for an 8-byte initial key ID. */
  aesInitialKey(bdk: Key, initialKeyId: Bytes): Key;
  /** AES DUKPT from a `bdk` or the initial key, for a 12-byte KSN. */
  aesDerive(bdkOrInitialKey: Key, ksn: Bytes, options?: AesDukptOptions): { initialKey: Key; derivationKey: Key; workingKey: Key };
};

export type DukptTransaction =
  | ({ scheme: 'tdes'; ksn: Hex } & TdesDukptKeys)
  | { scheme: 'aes'; ksn: Hex; workingKey(options?: AesDukptOptions): Key };

/** A DUKPT terminal (PIN pad side). */
export class DukptTerminal {
  private constructor();
  /** From the IPEK and initial KSN; `resume` starts at the KSN's counter (test benches). */
  static tdes(ipek: Key, ksn: Bytes, options?: { resume?: boolean }): DukptTerminal;
  /** From the initial key and its 8-byte ID, or (`resume`) at a 12-byte KSN. */
  static aes(initialKey: Key, initialKeyIdOrKsn: Bytes, options?: { resume?: boolean }): DukptTerminal;
  /** **Dangerous**: restore from `dangerousExportState` (keep it in the secure store). */
  static dangerousImportState(state: Bytes): DukptTerminal;
  /** **Dangerous**: the future-key registers. */
  dangerousExportState(): Hex;
  readonly scheme: 'tdes' | 'aes';
  /** The counter the next transaction uses. */
  readonly counter: number;
  readonly exhausted: boolean;
  /** Throws `DukptError` `dukpt.exhausted` at the end of the key set. */
  nextTransaction(): DukptTransaction;
}

export interface Tr31OptionalBlock {
  id: string;
  data: string;
}

/** A TR-31 header: the TR-31 codes (`P0`, `T`, `E`, ...). */
export interface Tr31Header {
  version: 'B' | 'D' | string;
  keyUsage: string;
  algorithm: string;
  modeOfUse: string;
  keyVersion: string;
  exportability: string;
  reserved?: string;
  optionalBlocks?: Tr31OptionalBlock[];
}

/** TR-31 key blocks, versions B (TDES KBPK) and D (AES KBPK); the KBPK's usage is `key_encryption`. */
export const Tr31: {
  /** `header`: a template (`B0000P0TE00N0000`) or a header object. `seed`: tests only. */
  wrap(kbpk: Key, key: Key, header: string | Tr31Header, options?: { maskedKeyLen?: number; seed?: number }): string;
  /** The MAC is verified before anything else; the key's algorithm and usage come from the header. */
  unwrap(kbpk: Key, block: string): { header: Required<Tr31Header>; key: Key };
};

// ---- EMV issuer cryptograms (EMV Book 2 Annex A1, sections 8.1-8.2; Visa CVN 10 and 18) -----

/**
 * An EMV cryptogram input is malformed or unsupported (`emv.bad_length`, `emv.not_digits`,
 * `emv.unsupported_cvn`, `emv.missing_input`...); the message names the input (`pan`, `atc`...).
 * A cryptogram that does not verify is `false` from `verifyArqc` / `checkArqc`, not an error.
 */
export class EmvError extends PoscoreError {}

// ---- Payment-code orders (docs/orders.md) ----------------------------------------------------

/** A payment-code order refused a call: `order.unknown_wallet`, `order.unexpected_answer`. */
export class OrderError extends PoscoreError {}

/** The request an order needs sent. */
export type OrderAction = 'pay' | 'query' | 'cancel';

/** A wallet's answer, classified (WeChat / Alipay codes map onto these; see docs/orders.md). */
export type OrderAnswer =
  | 'paid' | 'in_progress' | 'unknown' | 'declined'
  | 'waiting' | 'closed' | 'not_found'
  | 'cancel_closed' | 'cancel_refunded' | 'cancel_done' | 'cancel_retry' | 'cancel_refused';

/** Where an order stands. */
export type OrderState =
  | { state: 'new' }
  | { state: 'awaiting'; action: OrderAction }
  | { state: 'querying'; at: number }
  | { state: 'cancelling'; at: number; attempts: number }
  | { state: 'paid' }
  | { state: 'closed' }
  | { state: 'revoked'; refunded: boolean | null }
  | { state: 'cancel_exhausted' }
  | { state: 'cancel_refused' };

/** One payment-code order's schedule: pay, query while open, cancel at the deadline. */
export class PaymentOrder {
  /** `wallet`: `'wechat'` or `'alipay'`; `now`: creation time, ms on the caller's clock. */
  constructor(wallet: 'wechat' | 'alipay' | (string & {}), now: number);
  /** The request due at `now`, or null. */
  poll(now: number): OrderAction | null;
  /** When the next request is due, or null (awaiting an answer, or over). */
  nextTimeout(): number | null;
  handle(answer: OrderAnswer, now: number): void;
  /** The operator gives up: cancel as soon as the wallet allows. */
  abandon(now: number): void;
  /** Resend a cancel that used up its attempts. */
  retryCancel(now: number): void;
  readonly state: OrderState;
}

/** A Cryptogram Version Number poscore computes: Visa CVN 10 or 18. */
export type Cvn = 10 | 18;
/** ICC master key derivation, EMV Book 2 A1.4.1 / A1.4.2 (B is A for PANs of up to 16 digits). */
export type MasterKeyOption = 'option_a' | 'option_b';
/** AC data padding: `visa` zeros (CVN 10), `emv` 80 then zeros (CVN 18). */
export type AcPadding = 'visa' | 'emv';

/** The building blocks, one per pyemv function (`kd.derive_icc_mk_a`, `ac.generate_ac`, ...). */
export const Emv: {
  /** The ICC master key (2TDEA, usage `mac_both`) from an `issuer_master_key`; `option` defaults to `option_a`. */
  iccMasterKey(imk: Key, pan: string, psn: string, options?: { option?: MasterKeyOption }): Key;
  /** The EMV common session key for an 8-byte diversification value (it keeps the master key's usage). */
  commonSessionKey(masterKey: Key, r: Bytes): Key;
  /** The AC key of a CVN for the ATC (CVN 10: the master key itself). */
  sessionKey(masterKey: Key, cvn: Cvn, atc: Bytes): Key;
  /** An ARQC / TC / AAC, 8 bytes; `padding` defaults to `emv`. */
  applicationCryptogram(key: Key, data: Bytes, options?: { padding?: AcPadding }): Hex;
  /** The ARQC a CVN computes over `data` under its AC key. */
  arqc(key: Key, cvn: Cvn, data: Bytes): Hex;
  /** Constant time; false when the ARQC does not match. */
  verifyArqc(key: Key, cvn: Cvn, data: Bytes, arqc: Bytes): boolean;
  /** ARPC method 1, 8 bytes: 3DES(key)[ARQC xor (ARC || 00..00)]. */
  arpcMethod1(key: Key, arqc: Bytes, arc: Bytes): Hex;
  /** ARPC method 2, 4 bytes: MAC over ARQC || CSU || proprietary authentication data (0-8 bytes). */
  arpcMethod2(key: Key, arqc: Bytes, csu: Bytes, options?: { propAuthData?: Bytes }): Hex;
};

/** A card and transaction as an issuer sees them. `psn`: 2 digits, `00` when the card has none. */
export interface EmvCard {
  pan: string;
  psn: string;
  cvn: Cvn;
}

/** An issuer (or a simulator acting as one) holding an `issuer_master_key`. */
export class EmvIssuer {
  constructor(imk: Key);
  iccMasterKey(card: EmvCard): Key;
  acKey(card: EmvCard & { atc: Bytes }): Key;
  /** True when the ARQC verifies (constant time), false when it does not; throws `EmvError` for bad input. */
  checkArqc(card: EmvCard & { atc: Bytes; data: Bytes; arqc: Bytes }): boolean;
  /** `arc` for CVN 10 (method 1), `csu` and optional `propAuthData` for CVN 18 (method 2); `issuerAuthenticationData` is tag 91. */
  arpc(
    card: EmvCard & { atc: Bytes; arqc: Bytes; arc?: Bytes; csu?: Bytes; propAuthData?: Bytes },
  ): { arpc: Hex; issuerAuthenticationData: Hex };
  /** Wipe the issuer master key now. */
  free(): void;
  /** Algorithm, usage and check value of the issuer master key, never the key. */
  toString(): string;
}

// ---- terminal: the transaction engine ----

/**
 * Engine configuration (camelCase `Config`). The identity (`terminalId`, `merchantId`,
 * `merchantName`) is required; every other field has a default (tests shorten the timers). A
 * missing identity field or an unknown key (`terminalID`) is a `TerminalError`
 * `terminal.bad_config` whose message names it.
 */
export interface TerminalConfig {
  /** Field 41, the terminal id the acquirer assigned (8 characters). */
  terminalId: string;
  /** Field 42, the merchant number (15 characters). */
  merchantId: string;
  /** Printed on receipts. */
  merchantName: string;
  operatorId?: string;
  currency?: string;
  tpduDestination?: number;
  tpduSource?: number;
  headerHex?: string;
  spec?: string;
  responseTimeoutMs?: number;
  reversalMaxAttempts?: number;
  reversalBackoffMs?: number;
  reversalIdleDelayMs?: number;
  adviceMaxAttempts?: number;
  stanBlock?: number;
  utcOffsetMinutes?: number;
  keyScheme?: '003' | '004' | string;
  /** Closed batches kept in the journal after a balanced settlement (default 10; 0 keeps all). */
  keepBatches?: number;
  /** Keep-alive: an echo test (0820, 301) after this many idle ms once signed on (default 0: off). */
  echoIntervalMs?: number;
  /** Field 59 terminal information sent in every financial request (default: none). */
  terminalInfo?: TerminalInfo;
  /** A reversal or advice owed this long raises a `staff_alert` (default 300000; 0 off). */
  alertPendingMs?: number;
  /** Offline acceptance (脱机交易) and its limits (default: off). */
  offline?: OfflineLimits;
}

/**
 * What the merchant allows without the host. Every stored payment is the merchant's risk until
 * the host accepts its advice; the defaults are conservative.
 */
export interface OfflineLimits {
  /** Default false. */
  enabled?: boolean;
  /** Largest single offline payment, minor units (default 30000). */
  maxAmount?: number;
  /** Largest total stored and not yet accepted by the host, minor units (default 100000). */
  maxTotal?: number;
  /** Most payments stored at once (default 10). */
  maxCount?: number;
  /** Oldest a stored payment may get before `offline_stored_too_long` (default 86400000, 24 h). */
  maxAgeMs?: number;
  /** Entry modes that may go offline (default chip and contactless). */
  entryModes?: Array<'chip' | 'contactless' | 'swipe' | 'manual'>;
  /** Only payments verified by offline PIN (default false). */
  requireOfflinePin?: boolean;
  /** Wait between forwarding attempts while the host cannot be reached, ms (default 30000). */
  retryMs?: number;
}

/** How the card or payment code was presented. */
export type CardInput =
  | { type: 'chip' | 'contactless'; pan: string; track2?: string; expiry?: string; cardSeq?: string; iccData: Hex }
  | { type: 'magstripe'; track2: string }
  | { type: 'qr_code' | 'qrCode'; code: string };

/** Clear digits (the engine builds and enciphers the block) or a block enciphered under the PIK. */
export type PinInput = { type: 'clear'; digits: string } | { type: 'block'; blockHex: Hex };

/** What the host asks the terminal to do (`type` may be given as `signOn` or `sign_on`). */
export type TerminalRequest =
  | { type: 'signOn' | 'sign_on' }
  | { type: 'signOff' | 'sign_off' }
  | { type: 'sale'; amount: number; card: CardInput; pin?: PinInput }
  | { type: 'void'; originalStan: string; card: CardInput; pin?: PinInput }
  | { type: 'refund'; amount: number; originalRrn: string; originalDate: string; card: CardInput }
  | { type: 'balanceInquiry' | 'balance_inquiry'; card: CardInput; pin?: PinInput }
  | { type: 'preAuth' | 'pre_auth'; amount: number; card: CardInput; pin?: PinInput }
  | {
      type: 'completion';
      amount: number;
      originalAuthCode: string;
      originalDate: string;
      card: CardInput;
      pin?: PinInput;
    }
  | { type: 'preAuthVoid' | 'pre_auth_void' | 'completionVoid' | 'completion_void'; originalStan: string; card: CardInput; pin?: PinInput }
  /**
   * 脱机消费: a sale approved without the host, within `config.offline`; stored, then forwarded as
   * a 0220 before the next online transaction. A chip card's `iccData` must carry its TC (9F27 =
   * 40). `host_unreachable` is accepted only after a connection to the host failed.
   */
  | {
      type: 'offlineSale' | 'offline_sale';
      amount: number;
      card: CardInput;
      reason: 'card_approved' | 'host_unreachable';
      offlinePin?: boolean;
      /** A voice authorisation code (field 38). */
      authCode?: string;
    }
  | { type: 'settle' }
  /** 回响测试 0820 (301): may go out before sign-on. */
  | { type: 'echoTest' | 'echo_test' }
  /** 参数下载 0800 (360). */
  | { type: 'downloadParameters' | 'download_parameters' }
  /** 状态上送 0820 (362). */
  | { type: 'uploadStatus' | 'upload_status' }
  /** IC 卡公钥下载: query 372, one 370 per key (SHA-1 verified), end 371. */
  | { type: 'downloadCaPublicKeys' | 'download_ca_public_keys' }
  /** IC 卡参数 (AID) 下载: 382 / 380 / 381. */
  | { type: 'downloadAidParams' | 'download_aid_params' };

export type TxnKind =
  | 'sign_on' | 'sign_off' | 'sale' | 'void' | 'refund' | 'pre_auth' | 'completion' | 'pre_auth_void'
  | 'completion_void' | 'balance_inquiry' | 'settle' | 'echo_test' | 'parameter_download' | 'status_upload'
  | 'capk_download' | 'aid_download' | 'script_advice' | 'offline_sale';

/** What the issuer sent for the card (answer field 55), for its second GENERATE AC. */
export interface IssuerResponse {
  /** 91: issuer authentication data (ARPC ...). */
  authData: Hex | null;
  /** 8A: authorisation response code. */
  arc: Hex | null;
  /** 71/72 script templates as received. */
  scripts: Hex[];
}

/** The card's answer to the second GENERATE AC (hex). */
export interface ChipCompletion {
  cryptogram: Hex;
  /** 9F27: `40` TC, `00` AAC. */
  cid: Hex;
  tvr?: Hex;
  tsi?: Hex;
  atc?: Hex;
  /** DF31, when issuer scripts ran. */
  scriptResults?: Hex;
}

/** What `completeChip` did. */
export interface ChipOutcome {
  completed: boolean;
  reversalPending: boolean;
  scriptAdvice: boolean;
  diagnosis: EngineDiagnosis | null;
}

/** What a reply header's processing requirement nibble asks for (1-5). */
export type HostTask =
  | 'sign_on' | 'download_parameters' | 'upload_status' | 'download_ca_public_keys' | 'download_aid_params';

/** A response-code diagnosis as the engine carries it in events (texts in both languages). */
export interface EngineDiagnosis {
  entry: {
    code: string;
    source: string;
    outcome: Outcome;
    cause: Cause;
    operator: { zh: string; en: string };
    customer: { zh: string; en: string };
    remedies: string[];
    sensitive?: boolean;
    action: string | null;
    reversalReason: string | null;
  };
  unknown: boolean;
  action: Diagnosis['action'];
  reversalReason: string | null;
  profile: string;
}

/** All cards; the `foreign*` fields say how much of it is foreign cards (外卡). */
export interface Totals {
  debitAmount: number;
  debitCount: number;
  creditAmount: number;
  creditCount: number;
  foreignDebitAmount: number;
  foreignDebitCount: number;
  foreignCreditAmount: number;
  foreignCreditCount: number;
}

/** Field 59 terminal information (config `terminalInfo`). */
export interface TerminalInfo {
  /** A2.01: 01 ATM, 02 traditional POS, 03 mPOS, 04 smart POS, ... 10 barcode-payment terminal. */
  deviceType: string;
  /** A2.02: hardware serial number. */
  serialNumber: string;
  /** A2.05: application version (8 characters, space-padded). */
  appVersion: string;
  /** Further entries after A2, tag → value. */
  extra?: Record<string, string>;
}

/** What the host's TMS downloads brought (`Terminal.hostData()`). */
export interface HostData {
  params: Record<string, unknown> | null;
  caPublicKeys: Array<{ rid: Hex; index: number; expiry: string; modulus: Hex; exponent: Hex; checksum: Hex } & Record<string, unknown>>;
  aidParams: Array<{ aid: Hex } & Record<string, unknown>>;
  hostTasks: HostTask[];
}

/** What happened, discriminated by `type`. */
export type TerminalEvent =
  | { type: 'reversal_recorded'; request: number; stan: string }
  | { type: 'sending'; request: number | null; kind: TxnKind | null; mti: string; stan: string; attempt: number }
  | { type: 'signed_on'; request: number; batch: string; pikKcv: Hex; makKcv: Hex }
  | { type: 'signed_off'; request: number }
  | {
      type: 'approved';
      request: number;
      kind: TxnKind;
      stan: string;
      amount: number;
      rrn: string | null;
      authCode: string | null;
      balance: number | null;
      /** Chip: what the issuer sent for the card; then call `completeChip`. */
      issuerResponse?: IssuerResponse;
      /** Set on a partial approval (10): what was asked; `amount` is what was approved. */
      requestedAmount?: number;
      /** The completed-transaction record for `receipt.render`, PAN masked. */
      receipt: Record<string, unknown> & { pan: string | null; voucherNo: string; batchNo: string };
      diagnosis: EngineDiagnosis;
    }
  | {
      type: 'declined';
      request: number;
      kind: TxnKind;
      stan: string;
      diagnosis: EngineDiagnosis;
      issuerResponse?: IssuerResponse;
    }
  | { type: 'chip_completed'; stan: string; tc: boolean; scriptAdvice: boolean }
  | { type: 'script_advice_delivered'; stan: string; code: string }
  | {
      type: 'failed';
      request: number;
      kind: TxnKind;
      stan: string | null;
      diagnosis: EngineDiagnosis;
      reversalPending: boolean;
    }
  | { type: 'reversal_pending'; stan: string; reason: string; diagnosis: EngineDiagnosis }
  | { type: 'reversal_sent'; stan: string; attempt: number }
  | { type: 'reversal_retry'; stan: string; attempts: number; nextAttemptAt: number; diagnosis: EngineDiagnosis }
  | { type: 'reversal_cleared'; stan: string; code: string; diagnosis: EngineDiagnosis }
  | { type: 'reversal_exhausted'; stan: string; attempts: number; diagnosis: EngineDiagnosis }
  | { type: 'reversal_resolved'; stan: string; resolution: 'retry' | 'reconciled_not_charged' }
  | { type: 'late_response'; mti: string; stan: string; code: string | null }
  | { type: 'garbage'; reason: string }
  | { type: 'settlement_balanced'; request: number; batch: string; totals: Totals; nextBatch: string }
  | { type: 'settlement_unbalanced'; request: number; batch: string; totals: Totals; uploading: number }
  | { type: 'settlement_closed_unbalanced'; request: number; batch: string; totals: Totals; nextBatch: string }
  | { type: 'batch_uploaded'; request: number; count: number }
  | { type: 'echo_answered'; request: number; stan: string }
  | {
      type: 'downloaded';
      request: number;
      kind: 'parameter_download' | 'status_upload' | 'capk_download' | 'aid_download';
      count: number;
    }
  /** Accepted offline: stored in the journal, forwarded later. The merchant carries the risk. */
  | {
      type: 'stored_offline';
      request: number;
      stan: string;
      amount: number;
      reason: 'card_approved' | 'host_unreachable';
      storedCount: number;
      storedAmount: number;
      receipt: Record<string, unknown> & { pan: string | null; voucherNo: string; batchNo: string };
      diagnosis: EngineDiagnosis;
    }
  /** The host accepted a stored offline payment: it is an approved sale of the batch now. */
  | { type: 'offline_forwarded'; stan: string; amount: number; rrn: string | null; code: string }
  /** The host declined a stored offline payment: a merchant loss, alert the staff. */
  | { type: 'offline_declined'; stan: string; amount: number; code: string; diagnosis: EngineDiagnosis }
  /** A stored payment is older than `offline.maxAgeMs`: the line has been down too long. */
  | { type: 'offline_stored_too_long'; stan: string; ageMs: number; diagnosis: EngineDiagnosis }
  /** Staff must know now (the `onAlert` callback of `run` sees these). */
  | {
      type: 'staff_alert';
      alert:
        | 'reversal_exhausted'
        | 'reversal_pending_too_long'
        | 'settlement_unbalanced'
        | 'keys_rejected'
        | 'offline_declined'
        | 'offline_stored_too_long';
      stan: string | null;
      batch: string | null;
      amount: number | null;
      diagnosis: EngineDiagnosis;
    }
  | { type: 'host_requested'; task: HostTask }
  | { type: 'software_update_available'; current: string; offered: string };

/** What the transaction log query looks for; every field optional. */
export interface LogQuery {
  /** `YYYY-MM-DD`, inclusive. */
  fromDate?: string;
  toDate?: string;
  stan?: string;
  rrn?: string;
  batch?: string;
  status?: Array<'in_flight' | 'approved' | 'declined' | 'pending' | 'reversed' | 'exhausted' | 'reconciled' | 'stored'>;
  kind?: TxnKind[];
  entry?: Array<'chip' | 'swipe' | 'contactless' | 'qr' | 'manual'>;
  operator?: string;
  minAmount?: number;
  maxAmount?: number;
  offset?: number;
  /** 1 to 500; default 50. */
  limit?: number;
}

/** One transaction in the log: no message data, the card masked. */
export interface LogEntry {
  kind: TxnKind;
  batch: string;
  stan: string;
  status: string;
  amount: number;
  date: string;
  time: string;
  rrn: string | null;
  authCode: string | null;
  responseCode: string | null;
  maskedPan: string | null;
  entry: string | null;
  wallet: string | null;
  cardOrg: string | null;
  operator: string | null;
  originalStan: string | null;
  attempts: number;
  hasReceipt: boolean;
}

export interface LogPage {
  total: number;
  offset: number;
  entries: LogEntry[];
}

/** A journal record still owed to the host, as a page may show it (the PAN masked). */
export interface PendingRecord {
  kind: TxnKind;
  batch: string;
  stan: string;
  /** `stored`: an offline sale not yet forwarded. */
  status: 'in_flight' | 'pending' | 'exhausted' | 'stored';
  amount: number;
  date: string;
  time: string;
  reason: string | null;
  attempts: number;
  rrn: string | null;
  maskedPan: string | null;
}

/**
 * A counter the page keeps outside the journal (its server, say): the engine advances it after
 * every journal write and refuses a journal older than it. `advance` must never go backwards.
 */
export interface RollbackGuard {
  current(): number;
  advance(seq: number): void;
}

/** What `Terminal.recover` found wrong with a journal. */
export type JournalDamage =
  | { problem: 'unreadable'; key: string; reason: string }
  | { problem: 'foreign_record'; key: string; terminalId: string }
  | { problem: 'manifest_mismatch'; records: number; newestSeq: number }
  | { problem: 'rollback'; journalSeq: number; guardSeq: number };

/** A settlement owed to the host: financial requests wait for it (refused once exhausted). */
export interface SettlementOwed {
  batch: string;
  totals: Totals;
  uploading: boolean;
  attempts: number;
  exhausted: boolean;
}

/** One store operation handed to `TerminalStore.apply`. */
export type StoreOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

/**
 * A journal store the engine calls synchronously: `apply` applies all ops or none. A store whose
 * writes complete later (IndexedDB) has `flush()`, resolved when every write so far is durable;
 * `Terminal.run` awaits it before bytes leave and before events are reported.
 */
export interface TerminalStore {
  get(key: string): Uint8Array | undefined;
  list(prefix: string): string[];
  apply(ops: StoreOp[]): void;
  flush?(): Promise<void>;
}

/** Largest value a store record may hold (1 MiB). */
export const MAX_VALUE_LEN: number;

/** A Map-backed `TerminalStore` (not durable: tests and demos). Keys follow the core's rules. */
export class MemoryStore implements TerminalStore {
  constructor(map?: Map<string, Uint8Array>);
  readonly map: Map<string, Uint8Array>;
  get(key: string): Uint8Array | undefined;
  list(prefix?: string): string[];
  put(key: string, value: Uint8Array | Hex): void;
  delete(key: string): void;
  apply(ops: StoreOp[]): void;
  flush(): Promise<void>;
}

/**
 * The journal in IndexedDB, in the core's record format (checksummed, key-bound, AES-256-GCM
 * sealed with `sealingKey`): reads from memory, every `apply` written in one IndexedDB
 * transaction, durable when `flush()` resolves. An open store holds a Web Lock, so a second tab
 * opening the same name gets `store.in_use` until the first closes.
 */
export class IndexedDbStore implements TerminalStore {
  private constructor();
  /**
   * Sealed unless the options say otherwise in so many words: without `sealingKey` (32 bytes)
   * the open is refused (`store.unsealed_refused`) unless `insecureUnsealed: true` is passed,
   * which leaves the journal's card data in clear in the browser (tests and tools only).
   */
  static open(
    name: string,
    options:
      | { sealingKey: Uint8Array | Hex; insecureUnsealed?: false; indexedDB?: IDBFactory }
      | { sealingKey?: undefined; insecureUnsealed: true; indexedDB?: IDBFactory },
  ): Promise<IndexedDbStore>;
  static destroy(name?: string, options?: { indexedDB?: IDBFactory }): Promise<void>;
  readonly sealed: boolean;
  get(key: string): Uint8Array | undefined;
  list(prefix?: string): string[];
  put(key: string, value: Uint8Array | Hex): void;
  delete(key: string): void;
  apply(ops: StoreOp[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Bytes to write to the acquirer connection. */
export interface Transmit {
  bytes: Uint8Array;
  request: number | null;
  mti: string;
  stan: string;
}

/**
 * A refused TLS handshake to the acquirer: the handshake completes before anything is written,
 * so each means nothing was sent (no reversal). Diagnosed T111 (certificate expired or not yet
 * valid), T112 (not trusted), T113 (no pinned key matched), T114 (another host's name), T115
 * (any other handshake failure). A TLS error after the request was written is `line_dropped`.
 */
export type TlsFailure =
  | 'tls_certificate_expired'
  | 'tls_certificate_untrusted'
  | 'tls_pin_mismatch'
  | 'tls_name_mismatch'
  | 'tls_handshake_failed';

/** `connect_failed` and the `TlsFailure`s: nothing was sent. `send_failed`, `line_dropped`: it may have been. */
export type CommFailure = 'connect_failed' | 'send_failed' | 'line_dropped' | TlsFailure;

/**
 * How `Terminal.run` reaches the acquirer: `send` opens a fresh connection and writes one frame
 * (reject with `err.commFailure` = `connect_failed` / `send_failed` / a `TlsFailure`; any other
 * rejection counts as `send_failed`); `receive` resolves one whole frame, or null when
 * `timeoutMs` passed, and rejects when the line dropped (with a before-send `commFailure` when a
 * gateway vouches it forwarded nothing).
 */
export interface Transport {
  send(bytes: Uint8Array): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array | null>;
  close?(): void;
}

/** How a `Terminal` is opened (the constructor and `Terminal.recover`). */
export interface TerminalOptions {
  /** Required: at least the identity (`terminalId`, `merchantId`, `merchantName`). */
  config: TerminalConfig;
  /** The TMK: a `Key` (usage `key_encryption`), or **dangerous** test-only hex. */
  tmk: Key | Hex;
  /** Omitted: a `MemoryStore` (not durable). */
  store?: TerminalStore;
  /** Deterministic randomness, tests only. */
  seed?: number;
  now?: number;
  /** A monotonic counter outside the journal: a restored older copy of it is refused too. */
  rollbackGuard?: RollbackGuard;
}

/** The sans-IO transaction engine (Rust core in wasm). Times are Unix ms (default `Date.now()`). */
export class Terminal {
  constructor(options: TerminalOptions);
  /**
   * Opens a journal the constructor refused as damaged (`terminal.journal_damaged`, T801), once
   * a copy was kept for audit: untrusted records move under `audit/`, the STAN counter jumps
   * ahead, the keys are dropped (sign on again). Returns the engine and what was wrong.
   */
  static recover(options: TerminalOptions): { terminal: Terminal; damage: JournalDamage[] };
  /** The settlement owed to the host (its answer was lost, or the upload is under way), if any. */
  settlementOwed(): SettlementOwed | undefined;
  /** The host's parameters, CA public keys and AIDs of the last complete downloads, and the tasks reply headers asked for. */
  hostData(): HostData;
  /** Sets (or, with `undefined`, removes) a field 59 entry after A2: location, SIM ICCID... */
  setTerminalInfoEntry(tag: string, value?: string): void;
  start(request: TerminalRequest, now?: number): number;
  pollTransmit(): Transmit | undefined;
  handleReceived(bytes: Uint8Array, now?: number): void;
  pollTimeout(): number | undefined;
  handleTimeout(now?: number): void;
  handleCommError(kind: CommFailure, now?: number): void;
  pollEvent(): TerminalEvent | undefined;
  isIdle(): boolean;
  awaitingResponse(): boolean;
  isSignedOn(): boolean;
  readonly batch: string;
  /** Journal records still to be delivered (pending reversals, advices): no template, PAN masked. */
  pending(): PendingRecord[];
  /** Forward pending reversals, advices and stored offline payments now. */
  flushPending(now?: number): void;
  /** The transaction log (交易查询), newest first, cards masked. */
  queryLog(query?: LogQuery): LogPage;
  /** The audit trail (messages with send and answer times, and notes), oldest first. */
  auditTrail(from?: number, to?: number): Array<{
    at: number;
    doneAt: number | null;
    what: string;
    mti: string | null;
    result: string | null;
    kind: TxnKind | null;
    batch: string | null;
    stan: string | null;
    amount: number | null;
    maskedPan: string | null;
  }>;
  /** The open batch's terminal totals (终端统计). */
  terminalTotalsReport(now?: number): SettlementReport;
  /** The last settlement's report (set `reprint: true` to reprint it). */
  lastSettlementReport(): SettlementReport | undefined;
  /** Sales statistics by day, ISO week or month. */
  statistics(period: 'day' | 'week' | 'month', from: string, to: string): StatsReport;
  /** A journaled slip for a reprint (重打印): render it with `{ reprint: true }`. */
  reprint(stan: string, batch?: string): Record<string, unknown> & { pan: string | null; voucherNo: string; batchNo: string };
  /** The journal store this terminal writes to. */
  readonly store: TerminalStore;
  /**
   * The card failed after the host approved `stan`: returns the diagnosis; when it says reverse,
   * the approval becomes a pending reversal.
   */
  cardFailedAfterApproval(
    stan: string,
    error: 'chip_fallback' | 'magstripe_bad_read' | 'card_removed' | 'chip_declined' | 'cardRemoved' | 'chipDeclined',
    now?: number,
  ): EngineDiagnosis;
  /**
   * The card's second GENERATE AC result for the chip transaction `stan`: a TC completes it, an AAC
   * after an approval is reversed, script results become a script result advice (0620).
   */
  completeChip(stan: string, result: ChipCompletion, now?: number): ChipOutcome;
  /** The operator's decision on an exhausted reversal (T701) after reconciling with the acquirer. */
  resolveExhaustedReversal(
    stan: string,
    resolution: 'retry' | 'reconciled_not_charged' | 'reconciledNotCharged',
    now?: number,
  ): void;
  free(): void;
  /**
   * Starts `request` (null: only what is queued) and drives the engine over `transport` until it
   * is idle (`due`: also wait for reversal retry timers); resolves with the events in order.
   */
  run(
    request: TerminalRequest | null,
    transport: Transport,
    options?: {
      onEvent?: (event: TerminalEvent) => void;
      /** Staff alerts (`staff_alert` events) as they come, to notify staff. */
      onAlert?: (alert: Extract<TerminalEvent, { type: 'staff_alert' }>) => void;
      due?: boolean;
    },
  ): Promise<TerminalEvent[]>;
}

/**
 * TLS to the acquirer (`TcpTransport`'s `tls`). Trust comes from `ca`, `pins` or both, never
 * neither (refused with a TypeError: verification cannot be turned off):
 * - `ca` only: the chain must end at one of these CAs and name the host;
 * - `ca` and `pins`: as above, and some certificate of the chain must match a pin;
 * - `pins` only: some presented certificate must match a pin; it anchors the chain, which is
 *   verified up to it (signatures, dates), then the host name.
 */
export interface TlsOptions {
  /** PEM: the CA certificate(s) the acquirer's certificate must chain to. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** `sha256/<base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo DER>`. */
  pins?: string[];
  /** PEM: the terminal's certificate chain, when the acquirer requires mutual TLS (with `key`). */
  cert?: string | Uint8Array;
  /** PEM: the private key of `cert`. */
  key?: string | Uint8Array;
  /** The name the acquirer's certificate must carry (and SNI); default the `host` connected to. */
  servername?: string;
}

/**
 * **Node only** (`node:net`, `node:tls`): one TCP connection per message, 2-byte length frames;
 * over TLS 1.2/1.3 with `tls`, the handshake completed and the acquirer verified before the
 * frame is written (a refusal rejects with a `TlsFailure`: nothing sent). In a browser bundle the
 * name exists but constructing it throws a TypeError: use WebSocketTransport or HttpTransport.
 */
export class TcpTransport implements Transport {
  constructor(options: { host?: string; port: number; connectTimeoutMs?: number; tls?: TlsOptions });
  send(bytes: Uint8Array): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array | null>;
  close(): void;
}

/** The `commFailure` a transport's `send` rejection carries. */
export interface TransportError extends Error {
  commFailure: CommFailure;
}

/** The part of a WebSocket class the transport uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/**
 * One WebSocket per message to a gateway that forwards it over TCP or TLS (browsers cannot open
 * TCP): each binary WebSocket message is one whole frame, length prefix included. A close with
 * code 4502 is the gateway saying it forwarded nothing, its reason the `CommFailure`
 * (`connect_failed` or a `TlsFailure`): reported as that, before or after `send`, no reversal.
 * Node 20 has no global WebSocket: pass the `ws` package's class.
 */
export class WebSocketTransport implements Transport {
  constructor(options: { url: string | URL; WebSocket?: new (url: string) => WebSocketLike; connectTimeoutMs?: number });
  send(bytes: Uint8Array): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array | null>;
  close(): void;
}

/**
 * One HTTP POST per message to a gateway (`application/octet-stream`, one frame each way).
 * A 504, 204 or empty body, or `receive`'s timeout, is "no answer after send" (`null`: the
 * engine reverses); a network error within `sendGraceMs` of `send` is `connect_failed`, and a
 * 502 with `x-poscore-forwarded: no` is `connect_failed` or the `TlsFailure` its
 * `x-poscore-comm-failure` header names (nothing to reverse); other failures after `send` are a
 * dropped line.
 */
export class HttpTransport implements Transport {
  constructor(options: { url: string | URL; fetch?: typeof fetch; gatewayTimeoutMs?: number; sendGraceMs?: number });
  send(bytes: Uint8Array): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array | null>;
  close(): void;
}

// ---- UnionPay TMS downloads (field 62 of 60.3 360/362, 370-372, 380-382) ---------------------

/** TMS field 62 is malformed or refused (`tms.checksum_mismatch`, `tms.bad_tlv`, ...); `offset` says where. */
export class TmsError extends PoscoreError {}

/** The first byte of a reply's field 62: `0` last, `1` entries follow (list complete), `2` query again. */
export type TmsContinuation = 'last' | 'more_packets' | 'more_query';

/** A network management step and its 60.3 / request MTI. */
export interface TmsStep {
  step:
    | 'param_download'
    | 'status_upload'
    | 'capk_query'
    | 'capk_download'
    | 'capk_end'
    | 'aid_query'
    | 'aid_download'
    | 'aid_end';
  nmi: string;
  mti: string;
}

/** A CA public key as a query reply lists it. */
export interface TmsKeyRef {
  rid: Hex;
  index: number;
  /** `YYYYMMDD`; not needed for a download request. */
  expiry?: string | null;
}

/** A CA public key as a 370 reply sends it. */
export interface TmsCapk {
  rid: Hex;
  index: number;
  expiry: string;
  hashAlg: number | null;
  pkAlg: number | null;
  modulus: Hex;
  exponent: Hex;
  checksum: Hex;
  /** Tags the core does not type: tag hex -> value hex. */
  other?: Record<string, Hex>;
}

/** One AID's EMV parameters as a 380 reply sends them (amounts in minor units). */
export interface TmsAidParams {
  aid: Hex;
  asi?: number | null;
  appVersion?: Hex | null;
  tacDefault?: Hex | null;
  tacOnline?: Hex | null;
  tacDenial?: Hex | null;
  floorLimit?: number | null;
  threshold?: number | null;
  maxTargetPercent?: number | null;
  targetPercent?: number | null;
  defaultDdol?: Hex | null;
  onlinePin?: boolean | null;
  ecLimit?: number | null;
  clFloorLimit?: number | null;
  clTxnLimit?: number | null;
  clCvmLimit?: number | null;
  other?: Record<string, Hex>;
}

/** The terminal parameters of a 360 reply (items 11-26). */
export interface TmsTerminalParams {
  appType?: string | null;
  receiveTimeout?: number | null;
  dialRetries?: number | null;
  hostPhone1?: string | null;
  hostPhone2?: string | null;
  hostPhone3?: string | null;
  hostPhone4?: string | null;
  tipEnabled?: boolean | null;
  tipPercent?: number | null;
  manualEntry?: boolean | null;
  autoSignOff?: boolean | null;
  merchantName?: string | null;
  resendCount?: number | null;
  offlineUpload?: string | null;
  keyIndex?: number | null;
  txnSwitches?: Hex | null;
  /** Items without a typed field (or whose value did not fit it): item tag -> value hex. */
  other?: Record<string, Hex>;
  /** The bytes from an unknown item tag to the end, hex. */
  unparsed?: Hex | null;
}

/** Item 51 of a status upload. */
export interface TmsDialStats {
  hours: number;
  dials: number;
  successPercent: number;
}

export const Tms: {
  steps(): TmsStep[];
  splitReply(field62: Bytes): { continuation: TmsContinuation; body: Hex };
  queryRequest(startIndex: number): Hex;
  parseCapkQuery(body: Bytes): TmsKeyRef[];
  encodeCapkQuery(continuation: TmsContinuation, keys: TmsKeyRef[]): Hex;
  capkDownloadRequest(key: TmsKeyRef): Hex;
  parseCapk(entry: Bytes): TmsCapk;
  newCapk(key: { rid: Hex; index: number; expiry: string; modulus: Hex; exponent: Hex }): TmsCapk;
  capkToTlv(capk: TmsCapk): Hex;
  encodeCapkDownload(capk: TmsCapk | null): Hex;
  parseAidQuery(body: Bytes): Hex[];
  encodeAidQuery(continuation: TmsContinuation, aids: Hex[]): Hex;
  aidDownloadRequest(aid: Hex): Hex;
  parseAid(entry: Bytes): TmsAidParams;
  aidToTlv(params: TmsAidParams): Hex;
  encodeAidDownload(params: TmsAidParams | null): Hex;
  parseParams(field62: Bytes): TmsTerminalParams;
  rawParamItems(field62: Bytes): { tag: string; value: Hex }[];
  encodeParams(params: TmsTerminalParams): Hex;
  statusUploadRequest(params: TmsTerminalParams, dialStats?: TmsDialStats | null): Hex;
  parseStatusReport(field62: Bytes): { params: TmsTerminalParams; dialStats: TmsDialStats | null };
};
