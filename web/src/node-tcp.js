// Node only (exported from the Node entry, never from the browser one): a transport for
// `Terminal.run` over TCP, one connection per message as UnionPay terminals use, frames with the
// 2-byte big-endian length prefix the engine writes.
import net from 'node:net';
import { nap } from './transport.js';

const failure = (commFailure, message) => Object.assign(new Error(message), { commFailure });

export class TcpTransport {
  /** `host`, `port`, `connectTimeoutMs` (default 5000). */
  constructor({ host = '127.0.0.1', port, connectTimeoutMs = 5000 }) {
    Object.assign(this, { host, port, connectTimeoutMs });
    this.socket = null;
  }

  /** Opens a fresh connection (closing the previous one) and writes the frame. */
  async send(bytes) {
    this.close();
    const socket = await new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(failure('connect_failed', 'connect timeout'));
      }, this.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(failure('connect_failed', e.message));
      });
    });
    socket.setNoDelay(true);
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
