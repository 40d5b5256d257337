// Transports for `Terminal.run` that work in browsers (and in Node ≥ 20): a page cannot open a
// TCP connection to an acquirer, so it reaches one through a gateway, over a WebSocket or HTTP.
// Both keep the contract at the top of terminal.js and the shape of the TCP transport: one
// connection (or request) per message, each message one whole frame, length prefix included.

const failure = (commFailure, message, cause) =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { commFailure });

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
 * One WebSocket per message to a gateway that forwards it to the acquirer over TCP: `send` opens
 * the socket and writes the frame as one binary message; `receive` resolves the next binary
 * message (one whole frame), null when `timeoutMs` passes, and rejects (line dropped) when the
 * socket closed with nothing to read. Node 20 has no global WebSocket: pass the `ws` package's
 * class as `WebSocket`.
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
        reject(failure('connect_failed', `WebSocket connect failed${e?.message ? `: ${e.message}` : ''}`));
      };
    });
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') return; // frames are binary; text is not ours
      state.frames.push(new Uint8Array(e.data));
      wake();
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      state.closed = true;
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

/**
 * One HTTP POST per message to a gateway: `send` posts the frame (`application/octet-stream`,
 * with an `x-poscore-timeout-ms` header saying how long the gateway may wait for the acquirer)
 * and returns once the request is on its way; `receive(timeoutMs)` awaits the answer body.
 *
 * Mapping onto the engine's failures:
 * - `fetch` rejects within `sendGraceMs` (gateway unreachable, refused), or the gateway answers
 *   502 with `x-poscore-forwarded: no` within it (it could not reach the acquirer): `send`
 *   rejects `connect_failed`; nothing reached the host, so the engine reverses nothing.
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
    if (early?.r && early.r.status === 502 && early.r.headers.get('x-poscore-forwarded') === 'no') {
      this.pending = null;
      throw failure('connect_failed', 'the gateway could not reach the acquirer');
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
