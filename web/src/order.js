// Payment-code orders (付款码): the core's schedule of pay, query and cancel, as the wallets
// publish it (docs/orders.md). Thin: every rule is in the Rust core.
import * as wasm from '../pkg/poscore_wasm.js';
import { call } from './errors.js';
import { fromCore } from './convert.js';

/**
 * One payment-code order. `poll(now)` says which request is due (`'pay'`, `'query'`,
 * `'cancel'`), `nextTimeout()` when, `handle(answer, now)` takes the wallet's classified answer
 * (`'paid'`, `'in_progress'`, `'unknown'`, `'declined'`, `'waiting'`, `'closed'`, `'not_found'`,
 * `'cancel_closed'`, `'cancel_refunded'`, `'cancel_done'`, `'cancel_retry'`, `'cancel_refused'`).
 * Times are milliseconds on the caller's clock.
 */
export class PaymentOrder {
  #inner;
  /** `wallet`: `'wechat'` or `'alipay'`; `now`: when the order is created. */
  constructor(wallet, now) {
    this.#inner = call((w, n) => new wasm.PaymentOrder(w, n), String(wallet), now);
  }
  poll(now) {
    return call(() => this.#inner.poll(now)) ?? null;
  }
  nextTimeout() {
    return this.#inner.nextTimeout() ?? null;
  }
  handle(answer, now) {
    call(() => this.#inner.handle(String(answer), now));
  }
  abandon(now) {
    call(() => this.#inner.abandon(now));
  }
  retryCancel(now) {
    call(() => this.#inner.retryCancel(now));
  }
  /** `{ state, action?, at?, attempts?, refunded? }`; `state` is `new`, `awaiting`, `querying`, `cancelling`, `paid`, `closed`, `revoked`, `cancel_exhausted` or `cancel_refused`. */
  get state() {
    return fromCore(call(() => this.#inner.state()));
  }
}
