// A web checkout page: only `poscore/checkout` (card data, response codes) and its small wasm.
import { init, card, response } from 'poscore/checkout';

const out = document.getElementById('out');
init()
  .then(() => {
    out.textContent = `${card.maskPan('6212345678901232')} ${response.explain('51', { lang: 'en' }).operatorText}`;
    out.dataset.state = 'ok';
  })
  .catch((e) => {
    out.textContent = `${e.name}: ${e.message}`;
    out.dataset.state = 'error';
  });
