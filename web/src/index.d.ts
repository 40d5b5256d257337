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

/** Receipts (出票). */
export const receipt: {
  text(txn: ReceiptInput, options?: RenderOptions): string;
  escpos(txn: ReceiptInput, options?: RenderOptions): Uint8Array;
  html(txn: ReceiptInput, options?: RenderOptions): string;
  json(txn: ReceiptInput, options?: RenderOptions): string;
};

/** Bytes as a Uint8Array or a hex string. */
export type BytesLike = Uint8Array | string;

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
  unpack(spec: SpecLike, bytes: BytesLike): Iso8583Message;
  /** Field-by-field text with PAN/track masked, PIN block, cryptograms, keys and MAC redacted. */
  describe(spec: SpecLike, bytes: BytesLike): string;
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
  encode(frame: { length?: LengthHeader; tpdu?: string | null; header?: BytesLike; message: BytesLike }): Uint8Array;
  decode(bytes: BytesLike, config?: FrameConfig): DecodedFrame;
};

/** Streaming frame decoder. */
export class FrameDecoder {
  constructor(config?: FrameConfig);
  push(chunk: BytesLike): void;
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
  decode(bytes: BytesLike, options?: { masked?: boolean }): TlvObject[];
};
