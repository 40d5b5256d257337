// Errors thrown by poscore. The wasm layer throws a plain Error carrying `module` and a stable
// `code`; `toPoscoreError` turns it into the subclass for that module so callers can use `instanceof`.
import { fromCore } from './convert.js';

/**
 * Base class of every error poscore throws. `code` is stable (`card.unexpected_char`).
 * `diagnosis`, when present, is what the operator should see and do (the same shape as an
 * event's diagnosis): a terminal that is not signed on (T501), an unresolved reversal (T701),
 * an unresolved settlement (T701), a damaged journal (T801), a failing journal (103).
 */
export class PoscoreError extends Error {
  constructor(message, { code, module, offset, field, diagnosis, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PoscoreError';
    this.code = code ?? 'poscore.unknown';
    this.module = module ?? 'poscore';
    if (offset !== undefined) this.offset = offset;
    if (field !== undefined) this.field = field;
    if (diagnosis !== undefined) this.diagnosis = diagnosis;
  }
}

// One subclass per core module. `name` is set explicitly (not taken from the class) so that a
// minifying bundler cannot change what `error.name` says.
const moduleError = (name) => {
  const cls = class extends PoscoreError {
    constructor(message, details) {
      super(message, details);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
};

/** Card number, track 2 or payment-code parsing failed. */
export const CardError = moduleError('CardError');

/** The response-code registry could not load a profile, language tag or event key. */
export const ResponseError = moduleError('ResponseError');

/** A receipt could not be built or rendered. */
export const ReceiptError = moduleError('ReceiptError');

/** A merchant report could not be built or rendered (`report.bad_field` names the field). */
export const ReportError = moduleError('ReportError');

/** An ISO 8583 message, spec or frame is malformed (`field` and `offset` say where). */
export const Iso8583Error = moduleError('Iso8583Error');

/** EMV BER-TLV data is malformed (`offset` says where). */
export const TlvError = moduleError('TlvError');

/** A key has the wrong length, algorithm or usage, bad hex, or a check value that does not match. */
export const KeysError = moduleError('KeysError');

/** A PIN or PIN block is invalid (length, digits, control field, fill, PAN). */
export const PinError = moduleError('PinError');

/** MAC generation or verification failed (`mac.mismatch` when a MAC does not verify). */
export const MacError = moduleError('MacError');

/** DUKPT derivation or terminal state failed (KSN, counter, exhaustion). */
export const DukptError = moduleError('DukptError');

/** A TR-31 key block is malformed or does not authenticate. */
export const Tr31Error = moduleError('Tr31Error');

/** The random generator failed. */
export const RngError = moduleError('RngError');

/** The journal store failed: `store.corrupt`, `store.invalid_key`, `store.sealed_key_mismatch`, `store.io`... */
export const StoreError = moduleError('StoreError');

/** The terminal engine refused a request (`terminal.not_signed_on`, `terminal.reversal_unresolved`...). */
export const TerminalError = moduleError('TerminalError');

/** UnionPay TMS field 62 is malformed or refused (`tms.checksum_mismatch` for a corrupted CA public key; `offset` says where). */
export const TmsError = moduleError('TmsError');

/** An EMV cryptogram input is malformed or unsupported (`emv.bad_length`, `emv.unsupported_cvn`...); `verifyArqc` and `checkArqc` answer `false` instead of throwing `emv.arqc_mismatch`. */
export const EmvError = moduleError('EmvError');

/** A payment-code order refused a call: `order.unknown_wallet`, `order.unexpected_answer` (an answer out of turn). */
export const OrderError = moduleError('OrderError');

const byModule = {
  card: CardError,
  response: ResponseError,
  receipt: ReceiptError,
  report: ReportError,
  iso8583: Iso8583Error,
  tlv: TlvError,
  keys: KeysError,
  pin: PinError,
  mac: MacError,
  dukpt: DukptError,
  tr31: Tr31Error,
  rng: RngError,
  store: StoreError,
  terminal: TerminalError,
  tms: TmsError,
  emv: EmvError,
  order: OrderError,
};

/** Convert an error thrown by the wasm layer to the right PoscoreError subclass. */
export function toPoscoreError(e) {
  if (e instanceof PoscoreError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.module === 'string') {
    const Cls = byModule[e.module] ?? PoscoreError;
    const diagnosis = typeof e.diagnosis === 'string' ? fromCore(e.diagnosis) : undefined;
    return new Cls(e.message, { code: e.code, module: e.module, offset: e.offset, field: e.field, diagnosis });
  }
  return e;
}

/** Call a wasm export, mapping its errors. */
export function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    throw toPoscoreError(e);
  }
}
