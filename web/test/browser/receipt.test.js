// The HTML e-receipt rendered by the package, laid out by headless Chromium and saved as PNG
// (tests/artifacts/receipt-*.png) so a person can look at it: phone width and print width.
import { test, before, after } from 'node:test';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as poscore from 'poscore';
import { launch } from '../shared/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const artifacts = `${root}/tests/artifacts`;
let browser;

before(async () => {
  browser = await launch();
  mkdirSync(artifacts, { recursive: true });
});
after(() => browser?.close());

for (const name of ['chip_sale', 'qr_payment', 'refund']) {
  test(`receipt ${name} renders in Chromium`, async () => {
    const txn = readFileSync(`${root}/tests/vectors/receipts/inputs/${name}.json`, 'utf8');
    const html = poscore.receipt.html(txn, { lang: 'zh', copy: 'cardholder' });
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') errors.push(`external request ${r.url()}`);
    });
    await page.setContent(html);
    const text = await page.textContent('body');
    if (errors.length) throw new Error(errors.join('; '));
    const { pan } = JSON.parse(txn);
    const masked = poscore.card.maskPan(pan);
    if (!text.includes(masked)) throw new Error(`masked PAN ${masked} not shown`);
    if (text.includes(pan)) throw new Error('full PAN visible');
    await page.screenshot({ path: `${artifacts}/receipt-${name}.png`, fullPage: true });
    await page.close();
  });
}
