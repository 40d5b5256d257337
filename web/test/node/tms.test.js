// tests/vectors/tms.json on its own (vectors.test.js runs it with every other suite), and one
// key download as the engine and the simulator drive it, against the packed poscore package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as poscore from 'poscore';
import { suites } from '../shared/suites.js';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);
const load = (path) => readFile(new URL(path, vectorsDir), 'utf8');

for (const c of await suites.tms(poscore, load)) test(c.name, c.run);

test('tms: query, download each key, refuse a corrupted one', async () => {
  const { Tms, TmsError, PoscoreError } = poscore;
  const vectors = JSON.parse(await load('tms.json'));
  // The host's side: the published keys of the vectors.
  const hostKeys = vectors.capk.slice(0, 4).map((v) => Tms.parseCapk(v.hex));
  assert.equal(Tms.queryRequest(0), '313030');
  const reply = Tms.encodeCapkQuery('more_packets', hostKeys.map(({ rid, index, expiry }) => ({ rid, index, expiry })));
  const { continuation, body } = Tms.splitReply(reply);
  assert.equal(continuation, 'more_packets');
  const loaded = [];
  for (const key of Tms.parseCapkQuery(body)) {
    const request = Tms.capkDownloadRequest(key);
    const host = hostKeys.find((k) => Tms.capkDownloadRequest(k) === request);
    const answer = Tms.splitReply(Tms.encodeCapkDownload(host ?? null));
    if (answer.continuation === 'more_packets') loaded.push(Tms.parseCapk(answer.body));
  }
  assert.deepEqual(loaded, hostKeys);
  // One flipped modulus byte: refused, with the module's error class and a stable code.
  const corrupted = { ...hostKeys[0], modulus: `${hostKeys[0].modulus.slice(0, -2)}00` };
  assert.throws(
    () => Tms.parseCapk(Tms.capkToTlv(corrupted)),
    (e) => e instanceof TmsError && e instanceof PoscoreError && e.code === 'tms.checksum_mismatch',
  );
  assert.equal(Tms.steps().find((s) => s.nmi === '371').step, 'capk_end');
});
