// Node only (exported from the Node entry, never from the browser one): a transport for
// `Terminal.run` over TCP, one connection per message as UnionPay terminals use, frames with the
// 2-byte big-endian length prefix the engine writes; over TLS when given `tls` (node-tls.js says
// what is verified and how a refused handshake is reported).
import { nap } from './transport.js';
import { openLine, tlsConfig } from './node-tls.js';

const failure = (commFailure, message) => Object.assign(new Error(message), { commFailure });

export class TcpTransport {
  #tls;
  /**
   * `host`, `port`, `connectTimeoutMs` (default 5000; TCP and the TLS handshake), `tls`
   * (optional: `{ ca, pins, cert, key, servername }`, PEM strings or Buffers; `ca` and/or
   * `pins` required). A `tls` that cannot verify the acquirer throws a TypeError here.
   */
  constructor({ host = '127.0.0.1', port, connectTimeoutMs = 5000, tls }) {
    Object.assign(this, { host, port, connectTimeoutMs });
    this.#tls = tls === undefined ? null : tlsConfig(tls, host);
    this.socket = null;
  }

  /** Opens a fresh connection (closing the previous one) and writes the frame. */
  async send(bytes) {
    this.close();
    // The handshake (and the verification of the acquirer) completes before the frame is
    // written: a refusal rejects with connect_failed or a tls_* failure, nothing sent.
    const socket = await openLine({ host: this.host, port: this.port, tls: this.#tls, timeoutMs: this.connectTimeoutMs });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.closed = false;
    this.waiter = null;
    // Events of an earlier (closed) connection must not touch this one's state.
    socket.on('data', (d) => {
      if (this.socket !== socket) return;
      this.buffer = Buffer.concat([this.buffer, d]);
      this.#wake();
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
    await new Promise((resolve, reject) =>
      socket.write(bytes, (e) => (e ? reject(failure('send_failed', e.message)) : resolve())),
    );
  }

  #wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  #frame() {
    if (this.buffer.length < 2) return null;
    const len = this.buffer.readUInt16BE(0);
    if (this.buffer.length < 2 + len) return null;
    const frame = this.buffer.subarray(0, 2 + len);
    this.buffer = this.buffer.subarray(2 + len);
    return new Uint8Array(frame);
  }

  /** One whole frame, or null when `timeoutMs` passes; rejects when the line dropped. */
  async receive(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.#frame();
      if (f) return f;
      if (this.closed || !this.socket) throw failure('line_dropped', 'connection closed');
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await nap(left, (w) => {
        this.waiter = w;
      });
    }
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}
