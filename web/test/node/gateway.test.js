// The development gateway (web/gateway/gateway.js) on its own: the frame splitter under every
// chunking of a TCP stream, and the CLI (spawns the simulator, serves the demo and the package
// source, forwards fault scripts, stops on SIGTERM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FrameSplitter, simBinary } from '../../gateway/gateway.js';

const frame = (n, fill) => Buffer.concat([Buffer.from([n >> 8, n & 0xff]), Buffer.alloc(n, fill)]);

test('FrameSplitter yields whole frames whatever the chunking', () => {
  const frames = [frame(0, 0), frame(1, 1), frame(300, 2), frame(5, 3)];
  const stream = Buffer.concat(frames);
  for (let size = 1; size <= stream.length; size += size < 8 ? 1 : 37) {
    const s = new FrameSplitter();
    const out = [];
    for (let i = 0; i < stream.length; i += size) out.push(...s.push(stream.subarray(i, i + size)));
    assert.deepEqual(out.map((b) => b.toString('hex')), frames.map((b) => b.toString('hex')), `chunks of ${size}`);
  }
  const s = new FrameSplitter();
  assert.deepEqual(s.push(Buffer.from([0x00])), [], 'half a length prefix');
  assert.deepEqual(s.push(Buffer.from([0x02, 0xaa])), [], 'a partial body');
  assert.deepEqual(s.push(Buffer.from([0xbb, 0x00])).map((b) => b.toString('hex')), ['0002aabb']);
});

test('the CLI starts the simulator, serves the demo and the package, and stops on SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../../gateway/gateway.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--sim', simBinary(), '--port', '0', '--seed', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', resolve);
    });
    const [url] = line.match(/http:\/\/127\.0\.0\.1:\d+\/demo\//) ?? [];
    assert.ok(url, line);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /"poscore": "\/src\/index\.js"/);
    const entry = await fetch(new URL('/src/index.js', url));
    assert.equal(entry.headers.get('content-type'), 'text/javascript; charset=utf-8');
    // A raw path (fetch would normalise it): encoded dot segments never leave the served root.
    const raw = await new Promise((resolve, reject) =>
      get({ host: '127.0.0.1', port: new URL(url).port, path: '/..%2f..%2f..%2f..%2fetc%2fpasswd' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    assert.ok(raw === 404 || raw === 403, `traversal answered ${raw}`);
    const script = await fetch(new URL('/sim/script', url), { method: 'POST', body: '0200:code:51' });
    assert.deepEqual(await script.json(), { ok: true, queued: 1 });
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
