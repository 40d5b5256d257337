// Every ```js block of web/README.md runs against the installed (packed) package: the README's
// examples are complete programs, not fragments. Each block gets a fresh simulator and gateway.
// - By default a block runs under Node as its own ES module, with ACQUIRER_PORT (TCP) and
//   GATEWAY_URL (WebSocket/HTTP) in its environment; a block that reads ACQUIRER_TLS_PORT also
//   gets a simulator serving TLS there, with the test PKI's directory in POSCORE_TEST_PKI.
// - A block right after a `<!-- runs in Chromium -->` line runs as a module in a page that the
//   gateway serves (import map to the package's src/, the gateway's /ws and /iso8583 on the page's
//   origin), in headless Chromium.
// A `console.log(x); // 'value'` line is checked: the block's output lines must be those values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch } from '../shared/browser.js';
import { spawnSim, startGateway } from '../../gateway/gateway.js';
import { simTls, testPki } from '../shared/pki.js';

const here = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const installed = `${here}/node_modules/poscore`;
// Inside web/test so that `poscore` (and `ws`) resolve as they would for a user's project.
const dir = `${here}/.build/readme`;
const readme = readFileSync(`${here}/../README.md`, 'utf8');
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => {
  const before = readme.slice(0, m.index);
  return {
    code: m[1],
    line: before.split('\n').length,
    chromium: /<!-- runs in Chromium -->\n$/.test(before),
  };
});

/** Output a block promises: the comments after its console.log lines, quotes removed. */
const expectedOutput = (code) =>
  [...code.matchAll(/^\s*console\.log\(.*\);\s*\/\/\s*(.+?)\s*$/gm)].map(([, v]) => v.replace(/^'(.*)'$/, '$1'));

let sim;
let tlsSim;
let gateway;
let browser;
before(() => mkdirSync(dir, { recursive: true }));
after(async () => {
  await browser?.close();
  await gateway?.close();
  await sim?.close();
  await tlsSim?.close();
});

function runInNode(file, line) {
  const tls = tlsSim ? { ACQUIRER_TLS_PORT: String(tlsSim.port), POSCORE_TEST_PKI: testPki().dir } : {};
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [file],
      { env: { ...process.env, ACQUIRER_PORT: String(sim.port), GATEWAY_URL: gateway.url, ...tls }, timeout: 30_000 },
      (err, out, errOut) => (err ? reject(new Error(`README.md:${line} failed: ${errOut || err.message}`)) : resolve(out)),
    ),
  );
}

async function runInChromium(name, line) {
  writeFileSync(
    `${dir}/${name}.html`,
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "poscore": "/src/index.js" } }</script>
<script type="module">
import('./${name}.mjs').then(() => (window.readmeDone = 'ok'), (e) => (window.readmeDone = String(e?.stack ?? e)));
</script>`,
  );
  browser ??= await launch();
  const page = await browser.newPage();
  const lines = [];
  const errors = [];
  page.on('console', (m) => (m.type() === 'log' ? lines.push(m.text()) : m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${gateway.url}/readme/${name}.html`);
    const done = await (await page.waitForFunction(() => window.readmeDone, null, { timeout: 30_000 })).jsonValue();
    assert.equal(done, 'ok', `README.md:${line} failed in Chromium`);
    assert.deepEqual(errors, [], `README.md:${line} errors in Chromium`);
    return lines.join('\n');
  } finally {
    await page.close();
  }
}

test('the README has js examples, in Node and in Chromium', () => {
  assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
  assert.ok(blocks.some((b) => b.chromium));
});

for (const [i, { code, line, chromium }] of blocks.entries()) {
  test(`README.md:${line} runs${chromium ? ' in Chromium' : ''}`, async () => {
    await gateway?.close();
    await sim?.close();
    await tlsSim?.close();
    tlsSim = code.includes('ACQUIRER_TLS_PORT') ? await spawnSim({ seed: 200 + i, tls: simTls('server') }) : undefined;
    sim = await spawnSim({ seed: 100 + i });
    gateway = await startGateway({
      simPort: sim.port,
      simScript: sim.script,
      staticRoot: { '/src/': `${installed}/src`, '/pkg/': `${installed}/pkg`, '/readme/': dir },
    });
    const name = `block-${line}`;
    writeFileSync(`${dir}/${name}.mjs`, code);
    const stdout = chromium ? await runInChromium(name, line) : await runInNode(`${dir}/${name}.mjs`, line);
    assert.deepEqual(stdout.split('\n').filter(Boolean), expectedOutput(code), `README.md:${line} output`);
  });
}
