// Node entry point: the .wasm is read from disk and instantiated synchronously on import, so
// `init()` is only kept for code shared with the browser.
import { readFileSync } from 'node:fs';
import { initSync } from '../pkg/poscore_wasm.js';

initSync({ module: readFileSync(new URL('../pkg/poscore_wasm_bg.wasm', import.meta.url)) });

export * from './api.js';

/** Already initialised under Node; resolves at once. */
export const init = () => Promise.resolve();

export { TcpTransport } from './node-tcp.js';
export { WebSocketTransport, HttpTransport } from './transport.js';
