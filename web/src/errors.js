// Errors thrown by poscore. The wasm layer throws a plain Error carrying `module` and a stable
// `code`; `rethrow` turns it into the subclass for that module so callers can use `instanceof`.

/** Base class of every error poscore throws. `code` is stable (`card.unexpected_char`). */
export class PoscoreError extends Error {
  constructor(message, { code, module, offset, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PoscoreError';
    this.code = code ?? 'poscore.unknown';
    this.module = module ?? 'poscore';
    if (offset !== undefined) this.offset = offset;
  }
}

/** Card number, track 2 or payment-code parsing failed. */
export class CardError extends PoscoreError {
  constructor(message, details) {
    super(message, details);
    this.name = 'CardError';
  }
}

/** The response-code registry could not load a profile, language tag or event key. */
export class ResponseError extends PoscoreError {
  constructor(message, details) {
    super(message, details);
    this.name = 'ResponseError';
  }
}

/** A receipt could not be built or rendered. */
export class ReceiptError extends PoscoreError {
  constructor(message, details) {
    super(message, details);
    this.name = 'ReceiptError';
  }
}

/** An ISO 8583 message, spec or frame is malformed (`field` and `offset` say where). */
export class Iso8583Error extends PoscoreError {
  constructor(message, details) {
    super(message, details);
    this.name = 'Iso8583Error';
    if (details?.field !== undefined) this.field = details.field;
  }
}

/** EMV BER-TLV data is malformed (`offset` says where). */
export class TlvError extends PoscoreError {
  constructor(message, details) {
    super(message, details);
    this.name = 'TlvError';
  }
}

const byModule = { card: CardError, response: ResponseError, receipt: ReceiptError, iso8583: Iso8583Error, tlv: TlvError };

/** Convert an error thrown by the wasm layer to the right PoscoreError subclass. */
export function toPoscoreError(e) {
  if (e instanceof PoscoreError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.module === 'string') {
    const Cls = byModule[e.module] ?? PoscoreError;
    return new Cls(e.message, { code: e.code, module: e.module, offset: e.offset, field: e.field });
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
