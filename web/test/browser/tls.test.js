// TLS end to end from a browser (issue 23): headless Chromium loads a page from the development
// gateway over HTTPS and pays over `wss://` (and `https://.../iso8583`) to the gateway, which
// forwards to the simulator over TLS, verified by the test CA's pin. Chromium trusts the gateway's
// certificate by a real check: `--ignore-certificate-errors-spki-list` names the SHA-256 of that
// certificate's key, and only a certificate with that key is let through (verification stays on
// for everything else). Then the same terminal (its journal carried over) pays through a gateway
// whose pin the acquirer does not match: the page shows T113, nothing was forwarded, nothing is
// left to reverse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Frame, Iso8583 } from 'poscore';
import { launch } from '../shared/browser.js';
import { testPki, simTls } from '../shared/pki.js';
import { TMK, chip, identity } from '../shared/fixtures.js';
import { spawnSim, startGateway } from '../../gateway/gateway.js';

const installed = fileURLToPath(new URL('../node_modules/poscore/', import.meta.url));
const pki = testPki();
const pageDir = mkdtempSync(join(tmpdir(), 'poscore-tls-page-'));

let sim;
let good; // upstream verified by the pinned CA
let pinned; // upstream pin the acquirer does not match
let browser;
const pageErrors = [];

before(async () => {
  writeFileSync(
    join(pageDir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>tls</title>
<script type="importmap">{ "imports": { "poscore": "/src/index.js" } }</script>
<pre id="out">ready</pre>`,
  );
  sim = await spawnSim({ seed: 41, tls: simTls('server') });
  const common = {
    simPort: sim.port,
    tls: { cert: pki.pem('server.pem'), key: pki.pem('server.key') },
    staticRoot: { '/src/': `${installed}src`, '/pkg/': `${installed}pkg`, '/tls/': pageDir },
  };
  good = await startGateway({ ...common, upstreamTls: { pins: [pki.pins.ca] } });
  pinned = await startGateway({ ...common, upstreamTls: { pins: [pki.pins.rogue] } });
  // The gateway serves server.pem: its key's SPKI SHA-256, base64 (the pin without `sha256/`).
  browser = await launch([`--ignore-certificate-errors-spki-list=${pki.pins.server.slice('sha256/'.length)}`]);
});

after(async () => {
  await browser?.close();
  await good?.close();
  await pinned?.close();
  await sim?.close();
  rmSync(pageDir, { recursive: true, force: true });
});

async function openPage(gateway) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Chromium logs the gateway's 502 (it forwarded nothing) as a failed resource: expected.
  page.on('console', (m) => m.type() === 'error' && !/status of 502/.test(m.text()) && pageErrors.push(m.text()));
  const res = await page.goto(`${gateway.url}/tls/index.html`);
  assert.equal(res.status(), 200);
  assert.ok(page.url().startsWith('https://127.0.0.1:'), page.url());
  return page;
}

/** MTIs the gateway forwarded to the acquirer since `from`. */
const forwarded = (gateway, from = 0) =>
  gateway.frames
    .slice(from)
    .filter((f) => f.dir === 'to_host')
    .map((f) => Iso8583.unpack('cup-pos', Frame.decode(f.hex, { headerLen: 6 }).message).mti);

// Runs in the page: a terminal on a MemoryStore (optionally restored from `journal`), the run of
// `requests` over `via` ('ws' or 'http') on the page's own origin. Returns the events, the
// journal, the pending records and the transport URL; shows the last outcome on the page.
async function inPage(page, { requests, via, journal, terminalId }) {
  return page.evaluate(
    async ({ requests, via, journal, config, tmk }) => {
      const { init, Terminal, MemoryStore, WebSocketTransport, HttpTransport } = await import('poscore');
      await init();
      const store = new MemoryStore();
      if (journal) store.apply(journal.map(([key, value]) => ({ op: 'put', key, value: Uint8Array.from(value) })));
      const terminal = new Terminal({ config, tmk, store, seed: 9 });
      const url = via === 'ws' ? new URL('/ws', location.href.replace(/^http/, 'ws')) : new URL('/iso8583', location.href);
      const transport = via === 'ws' ? new WebSocketTransport({ url }) : new HttpTransport({ url });
      const events = [];
      try {
        for (const r of requests) events.push(...(await terminal.run(r, transport)));
      } finally {
        transport.close();
      }
      const last = events.findLast((e) => ['approved', 'declined', 'failed'].includes(e.type));
      document.querySelector('#out').textContent = last
        ? `${last.type} ${last.diagnosis?.entry?.code ?? ''} ${last.diagnosis?.entry?.operator?.en ?? ''}`
        : 'nothing';
      const pending = terminal.pending();
      const saved = store.list('').map((k) => [k, Array.from(store.get(k))]);
      terminal.free();
      return { events, pending, journal: saved, url: String(url) };
    },
    { requests, via, journal, config: { ...identity, terminalId, responseTimeoutMs: 2000 }, tmk: TMK },
  );
}

test('the trust is a real check: Chromium pinning another key refuses the gateway', async () => {
  const other = await launch([`--ignore-certificate-errors-spki-list=${pki.pins.rogue.slice('sha256/'.length)}`]);
  try {
    const page = await other.newPage();
    await assert.rejects(page.goto(`${good.url}/tls/index.html`), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await other.close();
  }
});

const sale = (amount) => ({ type: 'sale', amount, card: chip, pin: { type: 'clear', digits: '123456' } });
const of = (events, type) => events.filter((e) => e.type === type);
let journal;

test('a page served over HTTPS pays over wss:// through the gateway, forwarded over TLS: approved', async () => {
  const page = await openPage(good);
  try {
    const mark = good.frames.length;
    const out = await inPage(page, { requests: [{ type: 'signOn' }, sale(2_500)], via: 'ws', terminalId: '61000001' });
    assert.match(out.url, /^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
    assert.equal(of(out.events, 'signed_on').length, 1, JSON.stringify(out.events));
    const [ok] = of(out.events, 'approved');
    assert.ok(ok, JSON.stringify(out.events));
    assert.equal(ok.receipt.pan, '621234******1232');
    assert.deepEqual(forwarded(good, mark), ['0800', '0200']);
    assert.match(await page.textContent('#out'), /^approved/);
    journal = out.journal;
    // The same over https:// POSTs.
    const more = await inPage(page, { requests: [sale(2_600)], via: 'http', journal, terminalId: '61000001' });
    assert.equal(of(more.events, 'approved').length, 1, JSON.stringify(more.events));
    assert.match(more.url, /^https:\/\/127\.0\.0\.1:\d+\/iso8583$/);
    journal = more.journal;
  } finally {
    await page.close();
  }
  assert.deepEqual(pageErrors, []);
});

for (const via of ['ws', 'http']) {
  test(`an upstream pin mismatch is shown as T113, nothing forwarded, no reversal (${via === 'ws' ? 'wss' : 'https'})`, async () => {
    assert.ok(journal, 'the approved sale ran first');
    const page = await openPage(pinned);
    try {
      const mark = pinned.frames.length;
      const out = await inPage(page, { requests: [sale(2_700)], via, journal, terminalId: '61000001' });
      const [f] = of(out.events, 'failed');
      assert.ok(f, JSON.stringify(out.events));
      assert.equal(f.diagnosis.entry.code, 'T113', JSON.stringify(f.diagnosis));
      assert.equal(f.reversalPending, false, JSON.stringify(f));
      assert.deepEqual(out.pending, []);
      assert.deepEqual(of(out.events, 'sending').map((e) => e.mti), ['0200'], 'the sale alone: no 0400 owed before or after');
      assert.deepEqual(forwarded(pinned, mark), [], 'the gateway forwarded nothing');
      assert.match(await page.textContent('#out'), /^failed T113 /);
      // The journal goes back to the good gateway: the next sale is the sale alone.
      const page2 = await openPage(good);
      try {
        const next = await inPage(page2, { requests: [sale(2_800)], via, journal: out.journal, terminalId: '61000001' });
        assert.deepEqual(of(next.events, 'sending').map((e) => e.mti), ['0200'], JSON.stringify(next.events));
        assert.equal(of(next.events, 'approved').length, 1);
        journal = next.journal;
      } finally {
        await page2.close();
      }
    } finally {
      await page.close();
    }
    assert.deepEqual(pageErrors, []);
  });
}
