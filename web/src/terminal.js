// The transaction engine driven from JS. The Rust core decides everything (STANs, MACs,
// reversal-first journal, retries); this class only moves JSON, bytes and time across, and
// `run()` is the host loop of core/src/terminal/driver.rs written against an async transport.
//
// A transport is `{ send(bytes) -> Promise<void>, receive(timeoutMs) -> Promise<Uint8Array |
// null>, close() }`: `send` opens a fresh connection per message (as UnionPay terminals do) and
// rejects with `err.commFailure = 'connect_failed' | 'send_failed'`, or one of the refused TLS
// handshakes `'tls_certificate_expired' | 'tls_certificate_untrusted' | 'tls_pin_mismatch' |
// 'tls_name_mismatch' | 'tls_handshake_failed'` (diagnosed T111-T115). Any other rejection counts
// as `send_failed`: only `connect_failed` and the tls_* kinds vouch that nothing left (the
// handshake completes before the frame is written; a TLS error after that is a dropped line).
// `receive` resolves `null` when nothing arrived in time and rejects when the connection closed:
// a line drop, unless the rejection's `commFailure` names one of those before-send kinds (a
// gateway that vouches it forwarded nothing, e.g. after its TLS handshake to the acquirer was
// refused).
//
// A store is any object with synchronous `get(key)`, `list(prefix)` and `apply(ops)`, and
// optionally `flush()` returning a promise that resolves when every write so far is durable
// (IndexedDbStore). `run()` awaits `flush()` before it hands bytes to the transport and before
// it reports events, so the reversal record is durable before the request leaves. A page that
// drives the engine by hand (pollTransmit / pollEvent) must do the same.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { fromCore, jsKeyNames, toCore } from './convert.js';
import { Key, rawKey } from './crypto.js';
import { MemoryStore } from './store.js';
import { TLS_FAILURES } from './transport.js';

// The constructor's second argument that makes it `Terminal.recover` (module-private).
const RECOVER = Symbol('recover');

// A refused TLS handshake (TLS_FAILURES) means nothing was sent, like connect_failed: T111-T115.
const COMM_FAILURES = new Set(['connect_failed', 'send_failed', 'line_dropped', ...TLS_FAILURES]);

// Requests may spell their `type` tags in camelCase (`signOn`, `qrCode`), as JS does.
const snakeTag = (v) => (typeof v === 'string' ? v.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : v);
const tagged = (o) => (o && typeof o === 'object' && 'type' in o ? { ...o, type: snakeTag(o.type) } : o);
const coreRequest = (r) => {
  const req = tagged(r);
  if (req.card) req.card = tagged(req.card);
  if (req.pin) req.pin = tagged(req.pin);
  return toCore(req);
};

const tdesKek = (tmk) =>
  tmk instanceof Key ? tmk : Key.dangerousFromHex('tdes', 'key_encryption', String(tmk));

/** The sans-IO terminal engine. */
export class Terminal {
  #inner;
  /**
   * @param {object} opts `config` (camelCase `Config` fields: `terminalId`, `merchantId` and
   *   `merchantName` are required, other missing ones take defaults; a missing or unknown key is a
   *   `TerminalError` `terminal.bad_config` naming it, as the caller spelled it), `tmk`
   *   (a `Key`, or **dangerous** test-only hex), `store` (an object with get/list/apply; omitted:
   *   in memory), `seed` (deterministic randomness, tests only), `now` (Unix ms, default Date.now()),
   *   `rollbackGuard` (`{ current(), advance(seq) }`: a monotonic counter outside the journal, e.g.
   *   on the page's server, so that a restored older copy of the journal is refused too; without
   *   one it cannot be detected).
   */
  #store;
  constructor({ config = {}, tmk, store = new MemoryStore(), seed, now = Date.now(), rollbackGuard } = {}, mode = undefined) {
    this.#store = store;
    const args = [toCore(config), rawKey(tdesKek(tmk), 'tmk'), store, seed, now, rollbackGuard];
    try {
      this.#inner = call(() => (mode === RECOVER ? wasm.Terminal.recover(...args) : new wasm.Terminal(...args)));
    } catch (e) {
      if (e?.code === 'terminal.bad_config') e.message = jsKeyNames(e.message, config);
      throw e;
    }
  }
  /**
   * Opens a journal the constructor refused as damaged (`TerminalError`
   * `terminal.journal_damaged`, diagnosis T801), once a copy was kept for audit: untrusted
   * records move under `audit/`, the STAN counter jumps ahead, the keys are dropped (sign on
   * again), then settle with the host. Same options as the constructor, and synchronous like it.
   * Returns `{ terminal, damage }` (what was wrong, camelCase keys).
   */
  static recover(options) {
    const terminal = new Terminal(options, RECOVER);
    return { terminal, damage: fromCore(terminal.#inner.recoveryDamage()) };
  }
  /** The settlement owed to the host (`{ batch, totals, uploading, attempts, exhausted }`), or undefined. */
  settlementOwed() {
    const json = call(() => this.#inner.settlementOwed());
    return json === undefined ? undefined : fromCore(json);
  }
  /** The host's parameters, CA public keys and AIDs, and the tasks reply headers asked for. */
  hostData() {
    return fromCore(call(() => this.#inner.hostData()));
  }
  /** Sets (or, with `undefined`, removes) a field 59 entry after A2 (location, SIM ICCID...). */
  setTerminalInfoEntry(tag, value) {
    call(() => this.#inner.setTerminalInfoEntry(tag, value));
  }
  /** The journal store this terminal writes to. */
  get store() {
    return this.#store;
  }
  /** Starts a request (`{ type: 'sale', amount, card, pin }` ...); returns its id. */
  start(request, now = Date.now()) {
    return call(() => this.#inner.start(coreRequest(request), now));
  }
  /** The next frame to send: `{ bytes: Uint8Array, request, mti, stan }`, or undefined. */
  pollTransmit() {
    const json = this.#inner.pollTransmit();
    if (json === undefined) return undefined;
    const t = fromCore(json);
    return { ...t, bytes: Uint8Array.from(t.bytes) };
  }
  handleReceived(bytes, now = Date.now()) {
    this.#inner.handleReceived(bytes, now);
  }
  /** Unix ms of the next timer, or undefined. */
  pollTimeout() {
    return this.#inner.pollTimeout();
  }
  handleTimeout(now = Date.now()) {
    this.#inner.handleTimeout(now);
  }
  /**
   * `kind`: `connect_failed`, `send_failed`, `line_dropped`, or a refused TLS handshake
   * (`tls_certificate_expired`, `tls_certificate_untrusted`, `tls_pin_mismatch`,
   * `tls_name_mismatch`, `tls_handshake_failed`: nothing was sent, no reversal).
   */
  handleCommError(kind, now = Date.now()) {
    call(() => this.#inner.handleCommError(String(kind), now));
  }
  /** The next event (camelCase keys, `type` snake_case), or undefined. */
  pollEvent() {
    const json = this.#inner.pollEvent();
    return json === undefined ? undefined : fromCore(json);
  }
  isIdle() {
    return this.#inner.isIdle();
  }
  awaitingResponse() {
    return this.#inner.awaitingResponse();
  }
  isSignedOn() {
    return this.#inner.isSignedOn();
  }
  get batch() {
    return this.#inner.batch();
  }
  /** Journal records still to be delivered (pending reversals, advices). */
  pending() {
    return fromCore(call(() => this.#inner.pending()));
  }
  /** Forward pending reversals, advices and stored offline payments now. */
  flushPending(now = Date.now()) {
    this.#inner.flushPending(now);
  }
  /**
   * The transaction log (交易查询): `query` camelCase `LogQuery` (`fromDate`, `toDate`, `stan`,
   * `rrn`, `batch`, `status`, `kind`, `entry`, `operator`, `minAmount`, `maxAmount`, `offset`,
   * `limit`; all optional). Resolves `{ total, offset, entries }`, newest first, cards masked.
   */
  queryLog(query = {}) {
    return fromCore(call(() => this.#inner.queryLog(toCore(query))));
  }
  /**
   * The audit trail between `from` and `to` (unix ms; default all), oldest first: every message
   * with its send and answer times (`what: 'message'`) and the notes of sign-ons, settlements,
   * operator decisions and staff alerts. Cards masked.
   */
  auditTrail(from = 0, to = Number.MAX_SAFE_INTEGER) {
    return fromCore(call(() => this.#inner.auditTrail(from, to)));
  }
  /** The open batch's terminal totals (终端统计), for `report.settlementText` and friends. */
  terminalTotalsReport(now = Date.now()) {
    return fromCore(call(() => this.#inner.terminalTotalsReport(now)));
  }
  /** The last settlement's report (set `reprint: true` to reprint it), or undefined. */
  lastSettlementReport() {
    const json = call(() => this.#inner.lastSettlementReport());
    return json === undefined ? undefined : fromCore(json);
  }
  /** Sales statistics: `period` `'day'`, `'week'` or `'month'`, dates `YYYY-MM-DD`. */
  statistics(period, from, to) {
    return fromCore(call(() => this.#inner.statistics(String(period), String(from), String(to))));
  }
  /** A journaled slip for a reprint (重打印): render it with `{ reprint: true }`. */
  reprint(stan, batch) {
    return fromCore(call(() => this.#inner.reprint(String(stan), batch === undefined ? undefined : String(batch))));
  }
  /**
   * The card failed after the host approved `stan` (`'card_removed'`, `'chip_declined'`): the
   * approval cannot stand. Returns the diagnosis; when it says reverse, the approval becomes a
   * pending reversal, sent by the next `run`.
   */
  cardFailedAfterApproval(stan, error, now = Date.now()) {
    return fromCore(call(() => this.#inner.cardFailedAfterApproval(String(stan), snakeTag(String(error)), now)));
  }
  /**
   * The card's second GENERATE AC result for the chip transaction `stan`
   * (`{ cryptogram, cid, tvr, tsi, atc, scriptResults }`, hex): a TC completes it, an AAC after an
   * approval is reversed, script results become a script result advice (0620) sent before the
   * next transaction. Returns `{ completed, reversalPending, scriptAdvice, diagnosis }`.
   */
  completeChip(stan, result, now = Date.now()) {
    return fromCore(call(() => this.#inner.completeChip(String(stan), toCore(result), now)));
  }
  /**
   * The operator's decision on an exhausted reversal (T701) after reconciling with the acquirer:
   * `'retry'` sends it again, `'reconciledNotCharged'` closes it without sending.
   */
  resolveExhaustedReversal(stan, resolution, now = Date.now()) {
    call(() => this.#inner.resolveExhaustedReversal(String(stan), snakeTag(String(resolution)), now));
  }
  /** Release the wasm memory now. */
  free() {
    this.#inner.free();
  }

  /**
   * Starts `request` (unless null: then only what is queued) and drives the engine over
   * `transport` until idle; `due: true` also waits for pending reversals whose retry timer is set.
   * Resolves with every event in order; `onEvent` sees them as they come, and `onAlert` the
   * staff alerts (`staff_alert` events: reversal exhausted or pending too long, settlement
   * unbalanced, keys rejected, offline payment declined or stored too long) so the app can
   * notify staff.
   */
  async run(request, transport, { onEvent, onAlert, due = false } = {}) {
    const events = [];
    const durable = () => this.#store.flush?.();
    if (request) this.start(request);
    for (;;) {
      await durable();
      for (let e = this.pollEvent(); e; e = this.pollEvent()) {
        events.push(e);
        onEvent?.(e);
        if (e.type === 'staff_alert') onAlert?.(e);
      }
      const tx = this.pollTransmit();
      if (tx) {
        await durable();
        try {
          await transport.send(tx.bytes);
        } catch (err) {
          // A plain Error may come after the bytes were written: unknown means "may have been
          // sent", so the request is reversed. Only an explicit connect_failed (or a refused TLS
          // handshake) says nothing left.
          this.handleCommError(COMM_FAILURES.has(err?.commFailure) ? err.commFailure : 'send_failed');
        }
        continue;
      }
      if (!this.awaitingResponse()) transport.close?.();
      const busy = !this.isIdle() || this.awaitingResponse();
      const deadline = this.pollTimeout();
      if (deadline === undefined || !(busy || due)) break;
      const now = Date.now();
      if (deadline <= now) {
        this.handleTimeout(now);
        continue;
      }
      if (this.awaitingResponse()) {
        let bytes;
        try {
          bytes = await transport.receive(deadline - now);
        } catch (err) {
          // A dropped line, unless the transport names the failure: a gateway may vouch that it
          // forwarded nothing (its own connection or TLS handshake to the acquirer failed).
          this.handleCommError(COMM_FAILURES.has(err?.commFailure) ? err.commFailure : 'line_dropped');
          continue;
        }
        if (bytes) this.handleReceived(bytes);
        else this.handleTimeout(Date.now());
      } else {
        await new Promise((r) => setTimeout(r, deadline - now));
        this.handleTimeout(Date.now());
      }
    }
    return events;
  }
}
