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
