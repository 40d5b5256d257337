// `poscore/checkout`: the small wasm module (card data, response codes) runs the same card and
// response vectors as the full package, and is much smaller than it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import * as checkout from 'poscore/checkout';
import * as full from 'poscore';
import { suites } from '../shared/suites.js';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);
const load = (path) => readFile(new URL(path, vectorsDir), 'utf8');

for (const name of ['card', 'response']) {
  for (const c of await suites[name](checkout, load)) test(`checkout ${c.name}`, c.run);
}

test('the checkout entry exposes only card data and response codes', () => {
  assert.deepEqual(Object.keys(checkout).sort(), [
    'CardError', 'PoscoreError', 'ResponseError', 'ResponseRegistry', 'card', 'hex', 'init', 'response', 'version',
  ]);
  assert.equal(checkout.version(), full.version());
  assert.throws(() => checkout.card.luhnCheckDigit('12a'), (e) => e instanceof checkout.CardError && e.code === 'card.unexpected_char');
  // One error hierarchy: an error from either entry is a PoscoreError of both.
  assert.ok(new checkout.CardError('x') instanceof full.PoscoreError);
});

test('the checkout wasm is at most a third of the full one (gzip)', async () => {
  const pkgDir = pathToFileURL(createRequire(import.meta.url).resolve('poscore/package.json'));
  const size = async (p) => gzipSync(await readFile(new URL(p, pkgDir)), { level: 9 }).length;
  const small = await size('pkg-checkout/poscore_wasm_bg.wasm');
  const big = await size('pkg/poscore_wasm_bg.wasm');
  assert.ok((await stat(new URL('pkg-checkout/poscore_wasm_bg.wasm', pkgDir))).size > 0);
  assert.ok(small * 3 <= big, `checkout ${small} B vs full ${big} B gzip`);
});
