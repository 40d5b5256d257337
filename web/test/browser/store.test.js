// The store conformance vectors on IndexedDbStore in headless Chromium (sealed, and unsealed
// through the explicit `insecureUnsealed` opt-in), a record that survives a page reload, and the
// refusal to open unsealed without that opt-in.
import { test, before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../shared/server.js';
import { launch } from '../shared/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
let srv;
let browser;
let page;
let results = [];
const pageErrors = [];

before(async () => {
  srv = await serveStatic(root);
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${srv.url}/web/test/browser/store.html`);
  await page.waitForFunction(() => document.title === 'done', null, { timeout: 60000 });
  results = await page.evaluate(() => window.__results);
});

after(async () => {
  await browser?.close();
  srv?.server.close();
});

test('IndexedDbStore passes the store conformance vectors', async (t) => {
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
  if (results.filter((r) => r.ok).length < 30) throw new Error(`only ${results.length} cases ran`);
  for (const r of results) {
    await t.test(`chromium: ${r.name}`, { skip: r.skip ?? false }, () => {
      if (r.ok === false) throw new Error(r.error);
    });
  }
});

test('a sealed record written before a reload reads back after it', async () => {
  const name = `reload-${Date.now()}`;
  await page.evaluate(async (name) => {
    const { IndexedDbStore } = await import('poscore');
    const s = await IndexedDbStore.open(name, {
      sealingKey: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    });
    s.put('reversal/pending', '0400');
    await s.flush(); // what Terminal.run awaits before the request leaves
  }, name);
  await page.reload();
  await page.waitForFunction(() => document.title === 'done', null, { timeout: 60000 });
  const hex = await page.evaluate(async (name) => {
    const { IndexedDbStore, init } = await import('poscore');
    await init();
    const s = await IndexedDbStore.open(name, {
      sealingKey: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    });
    const v = s.get('reversal/pending');
    await s.close();
    return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
  if (hex !== '0400') throw new Error(`after reload: ${hex}`);
});

test('a store without a sealing key is refused unless insecureUnsealed says so', async () => {
  const outcome = await page.evaluate(async () => {
    const { IndexedDbStore } = await import('poscore');
    const name = `unsealed-${Date.now()}`;
    let refused;
    try {
      await IndexedDbStore.open(name);
      refused = 'opened';
    } catch (e) {
      refused = e.code;
    }
    const created = (await indexedDB.databases()).some((d) => d.name === name);
    const s = await IndexedDbStore.open(name, { insecureUnsealed: true });
    const sealed = s.sealed;
    await s.close();
    await IndexedDbStore.destroy(name);
    return { refused, created, sealed };
  });
  if (outcome.refused !== 'store.unsealed_refused') throw new Error(`open without a key: ${outcome.refused}`);
  if (outcome.created) throw new Error('the refused open created the database');
  if (outcome.sealed !== false) throw new Error('insecureUnsealed store reports sealed');
});

test('a second handle on the same store (another tab) is refused until the first closes', async () => {
  const outcome = await page.evaluate(async () => {
    const { IndexedDbStore } = await import('poscore');
    const name = `lock-${Date.now()}`;
    const opts = { sealingKey: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F' };
    const first = await IndexedDbStore.open(name, opts);
    let second;
    try {
      await IndexedDbStore.open(name, opts);
      second = 'opened';
    } catch (e) {
      second = e.code;
    }
    await first.close();
    const third = await IndexedDbStore.open(name, opts);
    await third.close();
    return second;
  });
  if (outcome !== 'store.in_use') throw new Error(`second open: ${outcome}`);
});
