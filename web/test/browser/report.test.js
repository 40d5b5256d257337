// The merchant reports' HTML in headless Chromium: the statistics page's SVG chart and the
// settlement report render as a page would show them (screenshots in tests/artifacts/reports/),
// from the shared report vectors (tests/vectors/reports/inputs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { report } from 'poscore';
import { launch } from '../shared/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const shots = `${root}/tests/artifacts/reports`;
const input = (name) => readFileSync(`${root}/tests/vectors/reports/inputs/${name}.json`, 'utf8');

let browser;
let page;

before(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 720, height: 900 } })).newPage();
});

after(async () => {
  await browser?.close();
});

for (const name of ['stats_daily', 'stats_weekly', 'stats_monthly']) {
  test(`${name}: the chart has one bar per row and renders`, async () => {
    const stats = JSON.parse(input(name));
    await page.setContent(report.statsHtml(input(name)));
    const bars = await page.$$eval('svg rect[data-label], svg rect', (rs) => rs.length);
    assert.ok(bars >= stats.rows.length, `${bars} rects for ${stats.rows.length} rows`);
    const box = await page.$eval('svg', (s) => s.getBoundingClientRect().width);
    assert.ok(box > 100, `the chart has a width: ${box}`);
    const path = `${shots}/${name}.png`;
    await page.screenshot({ path, fullPage: true });
    assert.ok(statSync(path).size > 2_000);
  });
}

test('the settlement report renders, Chinese labels and all', async () => {
  await page.setContent(report.settlementHtml(input('settlement'), { lang: 'zh' }));
  const text = await page.textContent('body');
  assert.match(text, /结算/);
  assert.match(text, /内卡/);
  await page.screenshot({ path: `${shots}/settlement.png`, fullPage: true });
});
