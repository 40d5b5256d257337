// Every ```js block of web/README.md runs, as a separate ES module against the installed
// (packed) package: the README's examples are complete programs, not fragments. Blocks that talk
// to an acquirer read ACQUIRER_PORT (TCP) or GATEWAY_URL (WebSocket/HTTP) from the environment;
// each block gets a fresh simulator and gateway. A `console.log(x); // 'value'` line is checked:
// the block's output lines must be those values, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSim, startGateway } from '../../gateway/gateway.js';

const here = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
// Inside web/test so that `poscore` (and `ws`) resolve as they would for a user's project.
const dir = `${here}/.build/readme`;
const readme = readFileSync(`${here}/../README.md`, 'utf8');
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => ({
  code: m[1],
  line: readme.slice(0, m.index).split('\n').length,
}));

/** Output a block promises: the comments after its console.log lines, quotes removed. */
const expectedOutput = (code) =>
  [...code.matchAll(/^\s*console\.log\(.*\);\s*\/\/\s*(.+?)\s*$/gm)].map(([, v]) => v.replace(/^'(.*)'$/, '$1'));

let sim;
let gateway;
before(() => mkdirSync(dir, { recursive: true }));
after(async () => {
  await gateway?.close();
  await sim?.close();
});

test('the README has js examples', () => {
  assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
});

for (const [i, { code, line }] of blocks.entries()) {
  test(`README.md:${line} runs`, async () => {
    await gateway?.close();
    await sim?.close();
    sim = await spawnSim({ seed: 100 + i });
    gateway = await startGateway({ simPort: sim.port, simScript: sim.script });
    const file = `${dir}/block-${line}.mjs`;
    writeFileSync(file, code);
    const { stdout } = await new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        [file],
        { env: { ...process.env, ACQUIRER_PORT: String(sim.port), GATEWAY_URL: gateway.url }, timeout: 30_000 },
        (err, out, errOut) => (err ? reject(new Error(`README.md:${line} failed: ${errOut || err.message}`)) : resolve({ stdout: out })),
      ),
    );
    const lines = stdout.split('\n').filter(Boolean);
    assert.deepEqual(lines, expectedOutput(code), `README.md:${line} output`);
  });
}
