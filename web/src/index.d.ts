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
