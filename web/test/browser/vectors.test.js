// Loads browser/vectors.html in headless Chromium: the packed package, loaded with a plain
// <script type=module>, runs the same shared vectors as the Node suite.
import { test, before, after } from 'node:test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../shared/server.js';
import { launch } from '../shared/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const artifacts = `${root}/tests/artifacts`;
let srv;
let browser;
let results = [];
let pageErrors = [];

before(async () => {
  srv = await serveStatic(root);
  browser = await launch();
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${srv.url}/web/test/browser/vectors.html`);
  await page.waitForFunction(() => document.title === 'done', null, { timeout: 30000 });
  results = await page.evaluate(() => window.__results);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: `${artifacts}/browser-vectors.png` });
});

after(async () => {
  await browser?.close();
  srv?.server.close();
});

test('Chromium ran the shared vectors', async (t) => {
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
  if (results.length < 300) throw new Error(`only ${results.length} cases ran`);
  for (const r of results) {
    await t.test(`chromium: ${r.name}`, () => {
      if (!r.ok) throw new Error(r.error);
    });
  }
});
