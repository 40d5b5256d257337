// A bundled app importing the package by its bare name: Vite must resolve the browser entry and
// carry the .wasm along as an asset (the glue's `new URL('…_bg.wasm', import.meta.url)`).
import { init, card, version, TcpTransport } from 'poscore';

const out = document.getElementById('out');
init()
  .then(() => {
    out.textContent = card.maskPan('6212345678901232');
    out.dataset.version = version();
    // The Node-only transport bundles (its name exists) and says what to use instead.
    try {
      new TcpTransport({ port: 1 });
      out.dataset.tcp = 'constructed';
    } catch (e) {
      out.dataset.tcp = e instanceof TypeError && /WebSocketTransport/.test(e.message) ? 'refused' : `other: ${e}`;
    }
    out.dataset.state = 'ok';
  })
  .catch((e) => {
    out.textContent = `${e.name}: ${e.message}`;
    out.dataset.state = 'error';
  });
