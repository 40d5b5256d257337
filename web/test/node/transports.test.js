// The browser transports (WebSocketTransport, HttpTransport) from Node, against the loopback
// gateway (web/gateway) in front of the acquirer simulator: sign-on, an approved sale, a timeout
// that leaves a reversal which goes out before the next sale, and a gateway that cannot reach the
// acquirer (connect failed: nothing to reverse). Node 20 has no global WebSocket: `ws` supplies it.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Terminal, MemoryStore, WebSocketTransport, HttpTransport } from 'poscore';
import { TMK, sale, config, of, sent } from '../shared/fixtures.js';
import { spawnSim, startGateway } from '../../gateway/gateway.js';

let sim;
let gateway;
before(async () => {
  sim = await spawnSim({ seed: 11 });
  gateway = await startGateway({ simPort: sim.port, simScript: sim.script });
});
after(async () => {
  await gateway?.close();
  await sim?.close();
});

// One simulator for both: each transport's terminal has its own terminal id (the simulator
// refuses a reused STAN per terminal with 94).
const transports = {
  WebSocketTransport: ['20000001', () => new WebSocketTransport({ url: `${gateway.url.replace('http', 'ws')}/ws`, WebSocket })],
  HttpTransport: ['30000001', () => new HttpTransport({ url: `${gateway.url}/iso8583` })],
};

for (const [name, [terminalId, make]] of Object.entries(transports)) {
  describe(name, () => {
    let terminal;
    let transport;
    before(() => {
      transport = make();
      terminal = new Terminal({ config: { ...config, terminalId }, tmk: TMK, store: new MemoryStore(), seed: 3 });
    });
    after(() => {
      transport.close();
      terminal.free();
    });

    test('sign-on and an approved sale', async () => {
      const on = await terminal.run({ type: 'signOn' }, transport);
      assert.equal(of(on, 'signed_on').length, 1, JSON.stringify(on));
      const events = await terminal.run(sale(1_234), transport);
      assert.deepEqual(sent(events), ['0200']);
      const [ok] = of(events, 'approved');
      assert.ok(ok, JSON.stringify(events));
      assert.equal(ok.receipt.pan, '621234******1232');
    });

    test('a timeout leaves a reversal, sent before the next sale', async () => {
      const res = await fetch(`${gateway.url}/sim/script`, { method: 'POST', body: '0200:timeout' });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true, queued: 1 });
      const failed = await terminal.run(sale(500), transport);
      const [f] = of(failed, 'failed');
      assert.ok(f, JSON.stringify(failed));
      assert.equal(f.reversalPending, true);
      assert.equal(f.diagnosis.reversalReason, '98');
      assert.equal(terminal.pending().length, 1);

      const next = await terminal.run(sale(700), transport);
      assert.deepEqual(sent(next), ['0400', '0200'], JSON.stringify(next));
      assert.equal(of(next, 'reversal_cleared')[0]?.stan, f.stan);
      assert.equal(of(next, 'approved').length, 1);
      assert.deepEqual(terminal.pending(), []);
    });
  });
}

test('a bad script line is refused by the simulator, through the gateway', async () => {
  const res = await fetch(`${gateway.url}/sim/script`, { method: 'POST', body: '0200:nonsense' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).ok, false);
});

test('the gateway re-chunks: each frame that passed was recorded whole', () => {
  assert.ok(gateway.frames.length >= 8);
  for (const f of gateway.frames) assert.equal(parseInt(f.hex.slice(0, 4), 16) * 2, f.hex.length - 4);
  assert.deepEqual(new Set(gateway.frames.map((f) => f.via)), new Set(['ws', 'http']));
});

test('an unreachable acquirer is a connect failure over both transports: nothing to reverse', async () => {
  // A gateway whose acquirer port is closed (the simulator's port after it went away).
  const dead = await spawnSim({ seed: 12 });
  const deadPort = dead.port;
  await dead.close();
  const gw = await startGateway({ simPort: deadPort });
  try {
    for (const transport of [
      new WebSocketTransport({ url: `${gw.url.replace('http', 'ws')}/ws`, WebSocket }),
      new HttpTransport({ url: `${gw.url}/iso8583`, sendGraceMs: 5000 }), // a loaded machine is slow to refuse
    ]) {
      await assert.rejects(transport.send(new Uint8Array([0, 1, 0])), (e) => e.commFailure === 'connect_failed');
      const terminal = new Terminal({ config, tmk: TMK, seed: 4 });
      const events = await terminal.run({ type: 'signOn' }, transport);
      assert.equal(of(events, 'failed').length, 1, JSON.stringify(events));
      assert.deepEqual(terminal.pending(), []);
      terminal.free();
    }
  } finally {
    await gw.close();
  }
});

test('no gateway at all: connect_failed', async () => {
  const gw = await startGateway({ simPort: 9 });
  const { url } = gw;
  await gw.close();
  await assert.rejects(new WebSocketTransport({ url: `${url.replace('http', 'ws')}/ws`, WebSocket }).send(new Uint8Array([0, 0])), (e) => e.commFailure === 'connect_failed');
  await assert.rejects(new HttpTransport({ url: `${url}/iso8583`, sendGraceMs: 5000 }).send(new Uint8Array([0, 0])), (e) => e.commFailure === 'connect_failed');
});

test('HTTP: the gateway answering 504 (acquirer silent) is no answer after send: reversal', async () => {
  const transport = new HttpTransport({ url: `${gateway.url}/iso8583`, gatewayTimeoutMs: 200 });
  const terminal = new Terminal({ config: { ...config, terminalId: '40000001' }, tmk: TMK, seed: 5 });
  await terminal.run({ type: 'signOn' }, transport);
  await sim.script('0200:timeout');
  const before = gateway.frames.length;
  const failed = await terminal.run(sale(300), transport);
  assert.equal(of(failed, 'failed')[0]?.reversalPending, true, JSON.stringify(failed));
  const next = await terminal.run(sale(400), transport);
  assert.deepEqual(sent(next), ['0400', '0200']);
  assert.equal(of(next, 'approved').length, 1);
  // to_host 0200, (nothing back), to_host 0400, from_host 0410, to_host 0200, from_host 0210
  assert.deepEqual(gateway.frames.slice(before).map((f) => f.dir), ['to_host', 'to_host', 'from_host', 'to_host', 'from_host']);
  transport.close();
  terminal.free();
});

test('the gateway refuses requests from other origins (a page elsewhere posting to loopback)', async () => {
  const post = (path, origin) => fetch(`${gateway.url}${path}`, { method: 'POST', body: 'clear', headers: { origin } });
  assert.equal((await post('/sim/script', 'http://evil.example')).status, 403);
  assert.equal((await post('/iso8583', 'http://evil.example')).status, 403);
  assert.equal((await post('/sim/script', gateway.url)).status, 200);
  const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws`, { origin: 'http://evil.example' });
  const code = await new Promise((resolve) =>
    ws
      .on('unexpected-response', (req, res) => {
        req.destroy();
        resolve(res.statusCode);
      })
      .on('error', () => resolve('error')),
  );
  assert.equal(code, 403);
});
