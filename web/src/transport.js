// Transports for `Terminal.run` that work in browsers (and in Node ≥ 20): a page cannot open a
// TCP connection to an acquirer, so it reaches one through a gateway, over a WebSocket or HTTP.
// Both keep the contract at the top of terminal.js and the shape of the TCP transport: one
// connection (or request) per message, each message one whole frame, length prefix included.

const failure = (commFailure, message, cause) =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { commFailure });

/**
 * The communication failures of a refused TLS handshake to the acquirer (certificate expired or
 * not yet valid, not trusted, no pinned key, another host's name, any other handshake failure):
 * the handshake completes before anything is written, so each means nothing was sent (no
 * reversal). The engine diagnoses them T111-T115.
 */
export const TLS_FAILURES = Object.freeze([
  'tls_certificate_expired',
  'tls_certificate_untrusted',
  'tls_pin_mismatch',
  'tls_name_mismatch',
  'tls_handshake_failed',
]);

/**
 * The gateway could not reach the acquirer and forwarded nothing. Over HTTP: status 502 with
 * `x-poscore-forwarded: no` and the reason in the `x-poscore-comm-failure` header. Over a
 * WebSocket (whose failed upgrade tells a page nothing): the gateway accepts the upgrade and
 * closes at once with this application close code, the reason in the close reason.
 */
export const NOT_FORWARDED_CLOSE = 4502;
export const COMM_FAILURE_HEADER = 'x-poscore-comm-failure';

const NOT_SENT = new Set(['connect_failed', ...TLS_FAILURES]);
/** What a gateway that forwarded nothing says it was (connect_failed when it does not say). */
const notSent = (reason) => (NOT_SENT.has(reason) ? reason : 'connect_failed');

/**
 * Waits `ms`, or less when woken: `setWaiter(wake)` receives the function that ends the wait
 * early (a frame arrived, the line closed) and `setWaiter(null)` when the time ran out. The
 * receive loops of every stream transport (WebSocket here, TCP in node-tcp.js) wait this way.
 */
export const nap = (ms, setWaiter) =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      setWaiter(null);
      resolve();
    }, ms);
    setWaiter(() => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * One WebSocket per message to a gateway that forwards it to the acquirer over TCP or TLS: `send`
 * opens the socket and writes the frame as one binary message; `receive` resolves the next binary
 * message (one whole frame), null when `timeoutMs` passes, and rejects (line dropped) when the
 * socket closed with nothing to read. A close with code 4502 (`NOT_FORWARDED_CLOSE`) is the
 * gateway saying it forwarded nothing, its reason the failure (`connect_failed` or a tls_* kind,
 * e.g. `tls_pin_mismatch` when the acquirer's certificate matched no pin): whether it arrives
 * before or after `send`, it rejects with that before-send `commFailure`, so nothing is reversed.
 * Node 20 has no global WebSocket: pass the `ws` package's class as `WebSocket`.
 */
export class WebSocketTransport {
  /** `url` (`ws://host/ws`), `WebSocket` (default the global), `connectTimeoutMs` (default 5000). */
  constructor({ url, WebSocket = globalThis.WebSocket, connectTimeoutMs = 5000 }) {
    if (typeof WebSocket !== 'function') throw new TypeError('no WebSocket class: pass { WebSocket } (e.g. the ws package)');
    Object.assign(this, { url: String(url), WebSocket, connectTimeoutMs });
    this.socket = null;
  }

  /** Opens a fresh socket (closing the previous one) and writes the frame as one binary message. */
  async send(bytes) {
    this.close();
    let ws;
    try {
      ws = new this.WebSocket(this.url);
    } catch (e) {
      throw failure('connect_failed', `WebSocket: ${e?.message ?? e}`, e);
    }
    ws.binaryType = 'arraybuffer';
    const state = { frames: [], closed: false, waiter: null };
    const wake = () => {
      const w = state.waiter;
      state.waiter = null;
      w?.();
    };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.onopen = ws.onerror = ws.onclose = null;
        ws.close();
        reject(failure('connect_failed', 'WebSocket connect timeout'));
      }, this.connectTimeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      // A socket that errors or closes before it opened never carried the request.
      ws.onerror = ws.onclose = (e) => {
        clearTimeout(timer);
        ws.onopen = ws.onerror = ws.onclose = null;
        const kind = e?.code === NOT_FORWARDED_CLOSE ? notSent(e.reason) : 'connect_failed';
        reject(failure(kind, `WebSocket connect failed${e?.message ? `: ${e.message}` : ''}${kind === 'connect_failed' ? '' : ` (${kind})`}`));
      };
    });
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') return; // frames are binary; text is not ours
      state.frames.push(new Uint8Array(e.data));
      wake();
    };
    ws.onerror = () => {};
    ws.onclose = (e) => {
      state.closed = true;
      // The gateway forwarded nothing (its line to the acquirer failed): say why.
      if (e?.code === NOT_FORWARDED_CLOSE) state.notForwarded = notSent(e.reason);
      wake();
    };
    this.socket = ws;
    this.state = state;
    try {
      ws.send(bytes);
    } catch (e) {
      throw failure('send_failed', `WebSocket send failed: ${e?.message ?? e}`, e);
    }
  }

  /** One whole frame, or null when `timeoutMs` passes; rejects when the socket closed. */
  async receive(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    const state = this.state;
    for (;;) {
      if (!state || !this.socket) throw failure('line_dropped', 'no connection');
      if (state.frames.length) return state.frames.shift();
      if (state.notForwarded) throw failure(state.notForwarded, `the gateway forwarded nothing: ${state.notForwarded}`);
      if (state.closed) throw failure('line_dropped', 'WebSocket closed');
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await nap(left, (w) => {
        state.waiter = w;
      });
    }
  }

  close() {
    const ws = this.socket;
    this.socket = null;
    if (!ws) return;
    ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
    ws.close();
  }
}

/** The before-send failure a gateway's 502 `x-poscore-forwarded: no` names, or undefined. */
const notForwarded = (res) =>
  res.status === 502 && res.headers.get('x-poscore-forwarded') === 'no' ? notSent(res.headers.get(COMM_FAILURE_HEADER)) : undefined;

/**
 * One HTTP POST per message to a gateway: `send` posts the frame (`application/octet-stream`,
 * with an `x-poscore-timeout-ms` header saying how long the gateway may wait for the acquirer)
 * and returns once the request is on its way; `receive(timeoutMs)` awaits the answer body.
 *
 * Mapping onto the engine's failures:
 * - `fetch` rejects within `sendGraceMs` (gateway unreachable, refused): `send` rejects
 *   `connect_failed`; nothing reached the host, so the engine reverses nothing.
 * - The gateway answers 502 with `x-poscore-forwarded: no` (it could not reach the acquirer, or
 *   its TLS handshake to it was refused): `connect_failed`, or the kind its
 *   `x-poscore-comm-failure` header names (`tls_pin_mismatch`, ...) — from `send` when the answer
 *   came within `sendGraceMs`, else from `receive`; either way nothing was sent, no reversal.
 *   Otherwise `send` resolves after at most `sendGraceMs` and the rest is `receive`'s.
 * - 200 with a body: the answer frame.
 * - 504, 204 or an empty 200 body: the gateway waited and the acquirer said nothing — `null`,
 *   "no answer after send", so the engine reverses (reason 98).
 * - `timeoutMs` passes with no response: the fetch is aborted and `receive` resolves `null`
 *   (same as above: the request may have reached the acquirer).
 * - any other status (502: the acquirer closed the connection), or a network error after
 *   `send` resolved: `receive` rejects (line dropped after send), and the engine reverses.
 */
export class HttpTransport {
  /**
   * `url` (`http://host/iso8583`), `fetch` (default the global), `gatewayTimeoutMs` (how long
   * the gateway is asked to wait for the acquirer, default 60000; `receive`'s own timeout still
   * applies), `sendGraceMs` (default 250).
   */
  constructor({ url, fetch = globalThis.fetch, gatewayTimeoutMs = 60_000, sendGraceMs = 250 }) {
    if (typeof fetch !== 'function') throw new TypeError('no fetch: pass { fetch }');
    Object.assign(this, { url: String(url), fetch, gatewayTimeoutMs, sendGraceMs });
    this.pending = null;
  }

  /** Posts the frame; rejects `connect_failed` when the gateway cannot be reached at all. */
  async send(bytes) {
    this.close();
    const controller = new AbortController();
    const body = Uint8Array.from(bytes);
    let response;
    try {
      response = this.fetch.call(globalThis, this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-poscore-timeout-ms': String(this.gatewayTimeoutMs) },
        body,
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch (e) {
      throw failure('connect_failed', `HTTP request failed: ${e?.message ?? e}`, e);
    }
    const outcome = response.then(
      (r) => ({ r }),
      (e) => ({ e }),
    );
    this.pending = { controller, outcome };
    // fetch reports a refused connection or a DNS failure within milliseconds: that is
    // "connect failed" (the request never left); anything later is decided by `receive`.
    let grace;
    const early = await Promise.race([outcome, new Promise((r) => (grace = setTimeout(() => r(null), this.sendGraceMs)))]);
    clearTimeout(grace);
    if (early?.e && !controller.signal.aborted) {
      this.pending = null;
      throw failure('connect_failed', `HTTP request failed: ${early.e?.message ?? early.e}`, early.e);
    }
    // The gateway says it could not reach the acquirer: the frame never left.
    const refused = early?.r && notForwarded(early.r);
    if (refused) {
      this.pending = null;
      throw failure(refused, `the gateway could not reach the acquirer (${refused})`);
    }
  }

  /** The answer frame, null when the gateway or `timeoutMs` ran out; rejects when the line dropped. */
  async receive(timeoutMs) {
    const pending = this.pending;
    if (!pending) throw failure('line_dropped', 'no request in flight');
    if (pending.quiet) {
      // The answer (or the gateway's 504) came already: like a quiet TCP line, nothing more.
      await new Promise((r) => setTimeout(r, timeoutMs));
      return null;
    }
    let timer;
    const timedOut = new Promise((r) => {
      timer = setTimeout(() => r({ timeout: true }), timeoutMs);
    });
    try {
      const first = await Promise.race([pending.outcome, timedOut]);
      if (first.timeout) return this.#abort();
      if (first.e) throw failure('line_dropped', `HTTP request failed: ${first.e?.message ?? first.e}`, first.e);
      const res = first.r;
      if (res.status === 504 || res.status === 204) return this.#done(null);
      const refused = notForwarded(res);
      if (refused) throw failure(refused, `the gateway could not reach the acquirer (${refused})`);
      if (!res.ok) throw failure('line_dropped', `gateway answered HTTP ${res.status}`);
      const body = await Promise.race([res.arrayBuffer().then((b) => ({ b }), (e) => ({ e })), timedOut]);
      if (body.timeout) return this.#abort();
      if (body.e) throw failure('line_dropped', `HTTP body failed: ${body.e?.message ?? body.e}`, body.e);
      return this.#done(body.b.byteLength ? new Uint8Array(body.b) : null);
    } catch (e) {
      this.pending = null;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #abort() {
    this.pending?.controller?.abort();
    this.pending = { quiet: true };
    return null;
  }

  #done(value) {
    this.pending = { quiet: true };
    return value;
  }

  close() {
    this.pending?.controller?.abort();
    this.pending = null;
  }
}
