// Browser / bundler entry point: call `await init()` once before using the API. Bundlers (Vite,
// webpack) resolve the `new URL(..., import.meta.url)` inside the wasm-bindgen glue to an asset.
import initWasm from '../pkg/poscore_wasm.js';

export * from './api.js';

let ready;
/**
 * Load and instantiate the WebAssembly module. Safe to call more than once.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source] where to load
 *   the .wasm from, when the default (next to this file) does not suit the page.
 */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source });
  return ready.then(() => undefined);
}

export { WebSocketTransport, HttpTransport } from './transport.js';

/**
 * The Node entry's TCP transport does not exist in a browser (no raw sockets): the name is
 * exported so that code importing it bundles (a missing export breaks Vite and webpack builds),
 * and constructing it says what to use instead.
 */
export class TcpTransport {
  constructor() {
    throw new TypeError(
      'TcpTransport needs Node (node:net); in a browser use WebSocketTransport or HttpTransport through the gateway',
    );
  }
}
