// The development gateway (web/gateway/gateway.js) on its own: the frame splitter under every
// chunking of a TCP stream, and the CLI (spawns the simulator, serves the demo and the package
// source, forwards fault scripts, stops on SIGTERM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FrameSplitter, simBinary, spawnSim, startGateway } from '../../gateway/gateway.js';

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

/** One raw HTTP request with exactly these headers (fetch would set Host and Origin itself). */
function raw(port, { method = 'GET', path = '/sim/script', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, upgraded: false }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, upgraded: true });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };

test('DNS-rebinding-shaped and cross-origin requests are refused; its own loopback names pass', async () => {
  const sim = await spawnSim({ seed: 6 });
  const scripted = [];
  const gw = await startGateway({
    simPort: sim.port,
    simScript: async (line) => {
      scripted.push(line);
      return sim.script(line);
    },
    staticRoot: fileURLToPath(new URL('../../demo/', import.meta.url)),
  });
  try {
    const p = gw.port;
    const post = (headers) => raw(p, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: 'clear' });
    // Rebinding: evil.example now resolves to 127.0.0.1, so Origin and Host agree, and both lie.
    for (const host of [`evil.example:${p}`, 'evil.example', `127.0.0.1.evil.example:${p}`, `127.0.0.1:${p + 1}`, '']) {
      const origin = `http://${host}`;
      assert.equal((await post({ host, origin })).status, 403, `POST host ${host}`);
      assert.equal((await post({ host })).status, 403, `POST host ${host}, no origin`);
      assert.equal((await raw(p, { path: '/', headers: { host } })).status, 403, `GET host ${host}`);
      const ws = await raw(p, { path: '/ws', headers: { host, origin, ...upgrade } });
      assert.deepEqual(ws, { status: 403, upgraded: false }, `upgrade host ${host}`);
    }
    // A page elsewhere (another dev server, a sandboxed frame) posting to the gateway.
    for (const origin of ['http://evil.example', `http://localhost:${p + 1}`, `https://127.0.0.1:${p}`, 'null']) {
      assert.equal((await post({ host: `127.0.0.1:${p}`, origin })).status, 403, `POST origin ${origin}`);
      const ws = await raw(p, { path: '/ws', headers: { host: `127.0.0.1:${p}`, origin, ...upgrade } });
      assert.deepEqual(ws, { status: 403, upgraded: false }, `upgrade origin ${origin}`);
    }
    assert.deepEqual(scripted, [], 'no refused request reached the simulator');
    // The gateway's own names, with or without an Origin, in any case.
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`, `[::1]:${p}`]) {
      assert.equal((await post({ host, origin: `http://${host}` })).status, 200, `POST host ${host}`);
      assert.equal((await post({ host })).status, 200, `POST host ${host}, no origin (curl)`);
      assert.equal((await raw(p, { path: '/', headers: { host } })).status, 200, `GET host ${host}`);
      const ws = await raw(p, { path: '/ws', headers: { host, origin: `http://${host.toLowerCase()}`, ...upgrade } });
      assert.deepEqual(ws, { status: 101, upgraded: true }, `upgrade host ${host}`);
    }
    assert.equal(scripted.length, 8);
  } finally {
    await gw.close();
    await sim.close();
  }
});
