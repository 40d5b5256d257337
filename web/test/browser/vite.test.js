// The package as a bundler sees it: a tiny app (web/test/vite-app) imports `poscore` by its
// bare name, Vite's build() bundles it into web/test/.build/vite-app (gitignored), and Chromium
// loads the result from a static server: init() must find the .wasm the bundler emitted. A
// second page imports only `poscore/checkout` and must fetch only the small checkout wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launch } from '../shared/browser.js';
import { serveStatic } from '../shared/server.js';

const here = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const outDir = `${here}/.build/vite-app`;
let browser;
let server;

before(async () => {
  await build({
    root: `${here}/vite-app`,
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rollupOptions: { input: { main: `${here}/vite-app/index.html`, checkout: `${here}/vite-app/checkout.html` } },
    },
  });
  server = await serveStatic(outDir);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.server.close();
});

test('vite emits both .wasm modules (full and checkout) as assets next to the bundles', () => {
  const assets = readdirSync(`${outDir}/assets`);
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 2, assets.join(', '));
  assert.ok(assets.some((f) => f.endsWith('.js')), assets.join(', '));
});

test('the bundled app initialises the wasm in Chromium and masks a PAN', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/index.html`);
  await page.waitForSelector('#out[data-state]');
  assert.deepEqual(errors, []);
  assert.equal(await page.getAttribute('#out', 'data-state'), 'ok', await page.textContent('#out'));
  assert.equal(await page.textContent('#out'), '621234******1232');
  assert.match(await page.getAttribute('#out', 'data-version'), /^\d+\.\d+\.\d+/);
  assert.equal(await page.getAttribute('#out', 'data-tcp'), 'refused', 'TcpTransport bundles and refuses with advice');
  await page.close();
});

test('the checkout page loads only the small checkout wasm', async () => {
  const page = await browser.newPage();
  const errors = [];
  const wasm = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', async (r) => {
    if (r.url().endsWith('.wasm')) wasm.push((await r.body()).length);
  });
  await page.goto(`${server.url}/checkout.html`);
  await page.waitForSelector('#out[data-state]');
  assert.deepEqual(errors, []);
  assert.equal(await page.textContent('#out'), '621234******1232 Insufficient available balance');
  assert.equal(wasm.length, 1, 'one wasm fetched');
  const sizes = readdirSync(`${outDir}/assets`)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => statSync(`${outDir}/assets/${f}`).size)
    .sort((a, b) => a - b);
  assert.equal(wasm[0], sizes[0], 'the smaller of the two');
  await page.close();
});
