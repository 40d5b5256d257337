// The demo terminal page (web/demo) in headless Chromium at phone size (375×812), against the
// acquirer simulator through the loopback gateway (web/gateway), with the packed package's
// src/ and pkg/ served where the page's import map expects them. Screenshots go to
// tests/artifacts/demo/. One page plays one terminal day: sign-on, approved sale with a receipt,
// a 51 decline with its diagnosis, a timeout whose reversal survives a reload and goes out before
// the next sale, a sale over HTTP, a QR payment, settlement.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Frame, Iso8583 } from 'poscore';
import { launch } from '../shared/browser.js';
import { spawnSim, startGateway } from '../../gateway/gateway.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const installed = fileURLToPath(new URL('../node_modules/poscore/', import.meta.url));
const shots = `${root}/tests/artifacts/demo`;
const PAN = '6212345678901232';

let sim;
let gateway;
let browser;
let context;
let page;
const pageErrors = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  writeFileSync(`${shots}/events.txt`, '');
  sim = await spawnSim({ seed: 21 });
  gateway = await startGateway({
    simPort: sim.port,
    simScript: sim.script,
    staticRoot: { '/demo/': `${root}/web/demo`, '/src/': `${installed}src`, '/pkg/': `${installed}pkg` },
  });
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 375, height: 812 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
});

// The page's event log after every test (newest first), for whoever reads a failure.
afterEach(async () => {
  const text = await page.evaluate(() => `${document.querySelector('#outcome')?.textContent}\n${document.querySelector('#log').innerText}`);
  appendFileSync(`${shots}/events.txt`, `----\n${text}\n`);
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  await sim?.close();
});

const demoUrl = (extra = '') => `${gateway.url}/demo/?tid=31000001&timeout=2000${extra}`;
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
const ready = () => page.waitForSelector('#status[data-state=ready]', { timeout: 15_000 });
/** MTIs the page logged as sent, oldest first (the log shows the newest on top). */
const sentMtis = async () => (await page.$$eval('#log li[data-type=sending]', (lis) => lis.map((li) => li.dataset.mti))).reverse();
/** MTIs of the frames the gateway forwarded to the acquirer, in order. */
const forwarded = (from = 0) =>
  gateway.frames
    .slice(from)
    .filter((f) => f.dir === 'to_host')
    .map((f) => Iso8583.unpack('cup-pos', Frame.decode(f.hex, { headerLen: 6 }).message).mti);

async function nextAnswer(script) {
  await page.evaluate(() => (document.querySelector('#dev').open = true));
  const done = page.waitForResponse((r) => r.url().endsWith('/sim/script'));
  await page.click(`[data-script="${script}"]`);
  assert.equal((await done).status(), 200);
}

/** Keys in the amount (fen), picks the method, enters the PIN when asked; waits for the outcome. */
async function pay(fen, method = 'chip') {
  await page.evaluate(() => delete document.querySelector('#result').dataset.outcome);
  await page.click('#keypad [data-key=C]');
  for (const d of String(fen)) await page.click(`#keypad [data-key="${d}"]`);
  await page.check(`input[name=method][value=${method}]`);
  await page.click('#pay');
  if (method !== 'qr') {
    await page.waitForSelector('#pin-dialog[open]');
    for (const d of '123456') await page.click(`#pin-keypad [data-pin="${d}"]`);
    assert.equal(await page.textContent('#pin-dots'), '●●●●●●', 'the PIN shows as dots only');
    await page.click('#pin-ok');
  }
  await page.waitForFunction(() => !['busy', undefined].includes(document.querySelector('#result')?.dataset.outcome) && document.querySelector('#status').dataset.state !== 'busy', null, { timeout: 15_000 });
  return page.getAttribute('#result', 'data-outcome');
}

async function noSecretsOnPage() {
  const text = await page.evaluate(() => document.body.innerText + document.querySelector('#receipt').srcdoc);
  assert.ok(!text.includes(PAN), 'the full PAN never reaches the page');
}

test('the page signs on at start', async () => {
  await page.goto(demoUrl());
  await ready();
  assert.match(await page.textContent('#status'), /Signed on/);
  assert.match(await page.textContent('#journal'), /IndexedDB/);
  assert.deepEqual(await sentMtis(), ['0800']);
  await shot('01-signed-on');
});

test('a second tab on the same journal is refused, not a second terminal', async () => {
  const other = await context.newPage();
  await other.goto(demoUrl());
  await other.waitForSelector('#status[data-state=in_use]', { timeout: 15_000 });
  assert.match(await other.textContent('#status'), /another tab/);
  await other.close();
});

test('a chip sale is approved and the receipt shows the masked PAN', async () => {
  assert.equal(await pay(8800), 'approved');
  assert.match(await page.textContent('#outcome'), /Approved ¥88\.00/);
  const receipt = page.frameLocator('#receipt');
  await receipt.locator('body').waitFor();
  const text = await receipt.locator('body').textContent();
  assert.ok(text.includes('621234******1232'), text);
  await noSecretsOnPage();
  assert.equal(await page.isHidden('#pending'), true);
  await shot('02-approved-receipt');
});

test('a 51 decline shows the diagnosis in Chinese and English with remedies', async () => {
  await nextAnswer('0200:code:51');
  assert.equal(await pay(5000), 'declined');
  assert.equal(await page.textContent('#diag-code'), '51');
  assert.match(await page.textContent('#diag-operator-zh'), /余额/);
  assert.match(await page.textContent('#diag-operator-en'), /balance|fund/i);
  assert.ok((await page.textContent('#diag-customer-zh')).length > 0);
  assert.ok((await page.textContent('#diag-customer-en')).length > 0);
  assert.ok((await page.$$('#diag-remedies li')).length > 0);
  assert.match(await page.textContent('#diag-remedies'), /[\u4e00-\u9fff]/, 'remedy texts, not ids');
  assert.equal(await page.isHidden('#pending'), true, 'a decline leaves nothing to reverse');
  await shot('03-declined-51');
});

test('55 (wrong PIN) and 96 (host malfunction) show their own diagnoses', async () => {
  await nextAnswer('0200:code:55');
  assert.equal(await pay(700), 'declined');
  assert.equal(await page.textContent('#diag-code'), '55');
  assert.match(await page.textContent('#diag-operator-zh'), /密码/);
  assert.match(await page.textContent('#diag-operator-en'), /PIN/i);
  await nextAnswer('0200:code:96');
  assert.equal(await pay(800), 'declined');
  assert.equal(await page.textContent('#diag-code'), '96');
  assert.match(await page.textContent('#diag-operator-en'), /malfunction|system|error/i);
  assert.equal(await page.isHidden('#pending'), true);
});

test('a timeout leaves a pending reversal that survives a reload and goes out before the next sale', async () => {
  await nextAnswer('0200:timeout');
  assert.equal(await pay(1200), 'failed');
  assert.match(await page.textContent('#diag-operator-en'), /timeout/i);
  await page.waitForSelector('#pending:not([hidden]) #pending-list li');
  const stan = await page.getAttribute('#pending-list li', 'data-stan');
  assert.match(await page.textContent('#pending-list'), /¥12\.00/);
  await shot('04-timeout-pending-reversal');

  await page.reload();
  await ready();
  assert.equal(await page.getAttribute('#pending-list li', 'data-stan'), stan, 'the journal survived the reload');
  assert.deepEqual(await sentMtis(), [], 'no sign-on needed: the keys came back from the journal');
  await shot('05-after-reload-pending');

  const mark = gateway.frames.length;
  assert.equal(await pay(1300), 'approved');
  // The reversal goes out first (more than once only if a slow machine made it time out too).
  const reversalFirst = (mtis) => mtis.length >= 2 && mtis.at(-1) === '0200' && mtis.slice(0, -1).every((m) => m === '0400');
  const logged = await sentMtis();
  assert.ok(reversalFirst(logged), `the reversal went out first: ${logged}`);
  assert.deepEqual(forwarded(mark), logged, 'the gateway forwarded what the page sent');
  const cleared = await page.getAttribute('#log li[data-type=reversal_cleared]', 'data-stan');
  assert.equal(cleared, stan);
  assert.equal(await page.isHidden('#pending'), true);
  await noSecretsOnPage();
});

test('a sale over HTTP and a QR payment code (no PIN)', async () => {
  await page.selectOption('#transport', 'http');
  const mark = gateway.frames.length;
  assert.equal(await pay(2500), 'approved');
  assert.deepEqual([...new Set(gateway.frames.slice(mark).map((f) => f.via))], ['http']);
  await page.selectOption('#transport', 'ws');
  await page.check('input[name=method][value=qr]');
  await page.selectOption('#qr-code', '6225123456789012345');
  assert.match(await page.textContent('#qr-kind'), /union_pay_qr/);
  assert.equal(await pay(3600, 'qr'), 'approved');
  await page.selectOption('#qr-code', '281234567890123456');
  assert.match(await page.textContent('#qr-kind'), /alipay/);
  await shot('06-qr-approved');
});

test('settlement balances at the end of the day', async () => {
  await page.click('#settle');
  await page.waitForSelector('#result[data-outcome=settled]', { timeout: 15_000 });
  const text = await page.textContent('#outcome');
  assert.match(text, /Settlement balanced/);
  // 88.00 + 13.00 + 25.00 + 36.00: the declined and the reversed sales are not in the totals.
  assert.match(text, /Debits 4 \/ ¥162\.00/);
  // Today's statistics, rendered by the core, with its chart.
  await page.waitForSelector('#stats:not([hidden])');
  const chart = await page.frameLocator('#stats').locator('svg rect').count();
  assert.ok(chart >= 1, 'a bar in the chart');
  assert.match(await page.frameLocator('#stats').locator('body').textContent(), /162\.00/);
  await shot('07-settled');
  assert.deepEqual(pageErrors, []);
});

/** Rethrows a failed wait with what the page showed, so a rare failure can be diagnosed. */
async function withPageState(e) {
  const seen = await page.evaluate(() => ({
    status: document.querySelector('#status')?.textContent,
    pending: document.querySelector('#pending-list')?.textContent,
    diag: document.querySelector('#diag-code')?.textContent,
    log: [...document.querySelectorAll('#log li')].slice(-12).map((li) => li.textContent),
  }));
  throw new Error(`${e.message}\npage: ${JSON.stringify(seen, null, 1)}`);
}

test('a reversal that keeps timing out is exhausted and the operator resolves it', async () => {
  await nextAnswer('0200:timeout');
  assert.equal(await pay(900), 'failed');
  const stan = await page.getAttribute('#pending-list li', 'data-stan');
  await sim.script('0400:timeout,0400:timeout,0400:timeout');
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await page.click('#send-pending');
    await page
      .waitForFunction(
        (n) =>
          document.querySelector('#pending-list li')?.textContent.includes(`attempts ${n}`) &&
          document.querySelector('#status').dataset.state !== 'busy',
        attempt,
        { timeout: 15_000 },
      )
      .catch(withPageState);
  }
  // The last failed attempt turns the record exhausted and shows T701 (wait for both: the list
  // and the diagnosis panel are redrawn by separate events).
  await page
    .waitForFunction(
      () =>
        document.querySelector('#pending-list li')?.dataset.status === 'exhausted' &&
        document.querySelector('#diag-code')?.textContent === 'T701',
      null,
      { timeout: 15_000 },
    )
    .catch(withPageState);
  // The staff alert the engine raised is on the page (run's onAlert).
  await page.waitForSelector('#alert-list li[data-alert=reversal_exhausted]', { timeout: 5_000 }).catch(withPageState);
  await shot('08-reversal-exhausted');
  await page.click('#pending-list [data-resolution=reconciledNotCharged]');
  await page.waitForSelector('#pending', { state: 'hidden' });
  // The list hides as soon as the record is closed; the event reaches the log a moment later,
  // once the run loop has flushed the journal.
  await page.waitForSelector(`#log li[data-type=reversal_resolved][data-stan="${stan}"]`, { timeout: 10_000 });
  assert.deepEqual(pageErrors, []);
});
