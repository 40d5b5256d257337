// TLS to the acquirer from Node (issue 23), against the simulator serving TLS with the test PKI
// (shared/pki.js): TcpTransport verified by a CA bundle, by pins or both, with a client
// certificate; each refused handshake (untrusted, expired, pin mismatch, name mismatch) reported
// with its diagnosis (T111-T114), nothing sent and nothing to reverse; a line dropped after the
// request was written reversed. Then the development gateway forwarding to the acquirer over TLS,
// reached by the browser transports (WebSocketTransport with `ws`, HttpTransport): an approval,
// and an upstream pin mismatch that reaches the terminal as T113 with no reversal; the gateway
// serving WSS itself, and its CLI with TLS on both sides.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Terminal, MemoryStore, TcpTransport, WebSocketTransport, HttpTransport } from 'poscore';
import { TMK, sale, config, of, sent } from '../shared/fixtures.js';
import { testPki, simTls } from '../shared/pki.js';
import { simBinary, spawnSim, startGateway } from '../../gateway/gateway.js';

const pki = testPki();
const { pins } = pki;
const ca = pki.pem('ca.pem');

// One simulator per host certificate; `good` serves the valid one.
const sims = {};
before(async () => {
  const specs = {
    good: { seed: 31, tls: simTls('server') },
    expired: { seed: 32, tls: simTls('expired') },
    rogue: { seed: 33, tls: simTls('rogue') },
    otherName: { seed: 34, tls: simTls('other-name') },
    mutual: { seed: 35, tls: simTls('server', { clientCa: pki.path('client-ca.pem') }) },
    lineDrop: { seed: 36, tls: simTls('server'), script: '0200:line_drop' },
  };
  await Promise.all(Object.entries(specs).map(async ([name, spec]) => (sims[name] = await spawnSim(spec))));
  for (const sim of Object.values(sims)) assert.equal(sim.tls, true, 'the simulator says it serves TLS');
});
after(async () => {
  await Promise.all(Object.values(sims).map((s) => s.close()));
});

const tcp = (sim, tls) => new TcpTransport({ port: sim.port, tls, connectTimeoutMs: 3000 });
const terminal = (terminalId, seed) => new Terminal({ config: { ...config, terminalId }, tmk: TMK, store: new MemoryStore(), seed });
/** The requests a simulator received, by MTI. */
const received = async (sim) => (await sim.script('dump')).ledger.requests;

async function signedOn(t, transport) {
  const events = await t.run({ type: 'signOn' }, transport);
  assert.equal(of(events, 'signed_on').length, 1, JSON.stringify(events));
}

/** A sale refused at the handshake: failed with `code`, no reversal, nothing pending. */
async function refused(t, transport, code, amount) {
  const events = await t.run(sale(amount), transport);
  const [f] = of(events, 'failed');
  assert.ok(f, JSON.stringify(events));
  assert.equal(f.diagnosis.entry.code, code, JSON.stringify(f.diagnosis));
  assert.equal(f.reversalPending, false, JSON.stringify(f));
  assert.deepEqual(t.pending(), []);
  return f;
}

describe('TcpTransport over TLS', () => {
  let t;
  let good;
  before(async () => {
    t = terminal('51000001', 3);
    good = tcp(sims.good, { ca });
    await signedOn(t, good);
  });
  after(() => {
    good.close();
    t.free();
  });

  test('sign-on and an approved sale, the acquirer verified by the CA bundle', async () => {
    const events = await t.run(sale(1_100), good);
    assert.deepEqual(sent(events), ['0200']);
    const [ok] = of(events, 'approved');
    assert.ok(ok, JSON.stringify(events));
    assert.equal(ok.receipt.pan, '621234******1232');
  });

  test('pins only: the pinned CA anchors the chain; CA and pins together', async () => {
    for (const tls of [{ pins: [pins.ca] }, { ca, pins: [pins.rogue, pins.server] }, { ca, servername: 'localhost' }]) {
      const line = tcp(sims.good, tls);
      const events = await t.run(sale(1_200), line);
      line.close();
      assert.equal(of(events, 'approved').length, 1, `${JSON.stringify(Object.keys(tls))}: ${JSON.stringify(events)}`);
    }
  });

  for (const [what, sim, tls, code] of [
    ['a certificate from another CA is untrusted (T112)', 'rogue', () => ({ ca }), 'T112'],
    ['trusting the wrong CA bundle is untrusted (T112)', 'good', () => ({ ca: pki.pem('rogue-ca.pem') }), 'T112'],
    ['an expired certificate (T111)', 'expired', () => ({ ca }), 'T111'],
    ['an expired certificate under a pinned CA (T111)', 'expired', () => ({ pins: [pins.ca] }), 'T111'],
    ['no presented certificate matches a pin (T113)', 'good', () => ({ pins: [pins.rogue] }), 'T113'],
    ['CA and pins: a trusted chain whose keys match no pin (T113)', 'good', () => ({ ca, pins: [pins.rogue_ca] }), 'T113'],
    ['a certificate for another name (T114)', 'otherName', () => ({ ca }), 'T114'],
    ['a certificate for another name under a pinned CA (T114)', 'otherName', () => ({ pins: [pins.ca] }), 'T114'],
    ['a pin on a CA-issued host certificate without its CA (T112)', 'good', () => ({ pins: [pins.server] }), 'T112'],
  ]) {
    test(`refused at the handshake: ${what}; nothing sent, nothing to reverse`, async () => {
      const line = tcp(sims[sim], tls());
      const before = await received(sims[sim]);
      await refused(t, line, code, 300);
      line.close();
      assert.deepEqual(await received(sims[sim]), before, 'nothing reached the host');
      // Nothing owed: the next sale over a good line is the sale alone, no 0400 before it.
      const next = await t.run(sale(400), good);
      assert.deepEqual(sent(next), ['0200'], JSON.stringify(next));
      assert.equal(of(next, 'approved').length, 1);
    });
  }

  test('the refusals reached the acquirers as nothing: no 0400 anywhere', async () => {
    const req = await received(sims.good);
    assert.equal(req['0400'], undefined, JSON.stringify(req));
    for (const sim of ['rogue', 'expired', 'otherName']) assert.deepEqual(await received(sims[sim]), {}, sim);
  });

  test('a line dropped after the request was written is reversed, over TLS', async () => {
    const t2 = terminal('51000002', 4);
    const line = tcp(sims.lineDrop, { ca });
    try {
      await signedOn(t2, line);
      const failed = await t2.run(sale(500), line);
      const [f] = of(failed, 'failed');
      assert.ok(f, JSON.stringify(failed));
      assert.equal(f.reversalPending, true, JSON.stringify(f));
      assert.equal(t2.pending().length, 1);
      const next = await t2.run(sale(600), line);
      assert.deepEqual(sent(next), ['0400', '0200'], JSON.stringify(next));
      assert.equal(of(next, 'approved').length, 1);
      assert.deepEqual(t2.pending(), []);
    } finally {
      line.close();
      t2.free();
    }
  });

  test('mutual TLS: the terminal presents its client certificate', async () => {
    const t3 = terminal('51000003', 5);
    const line = tcp(sims.mutual, { ca, cert: pki.pem('client.pem'), key: pki.pem('client.key') });
    try {
      await signedOn(t3, line);
      assert.equal(of(await t3.run(sale(700), line), 'approved').length, 1);
    } finally {
      line.close();
      t3.free();
    }
  });

  test('a TLS option that cannot verify the acquirer is refused at construction', () => {
    const bad = [
      [{}, /verification cannot be turned off/],
      [{ pins: [] }, /verification cannot be turned off/],
      [{ cert: pki.pem('client.pem'), key: pki.pem('client.key') }, /verification cannot be turned off/],
      [{ ca, rejectUnauthorized: false }, /unknown option rejectUnauthorized/],
      [{ pins: ['sha256/nope'] }, /pins\[0\]/],
      [{ pins: [pins.ca.replace('sha256/', 'sha1/')] }, /pins\[0\]/],
      [{ ca, cert: pki.pem('client.pem') }, /both the client certificate/],
      [{ ca: 'not a certificate' }, /tls\.ca: no CERTIFICATE/],
      [null, /tls/],
    ];
    for (const [tls, message] of bad) assert.throws(() => new TcpTransport({ port: 1, tls }), (e) => e instanceof TypeError && message.test(e.message), JSON.stringify(tls));
  });
});

describe('through the gateway, forwarded to the acquirer over TLS', () => {
  let gateway; // trusts the acquirer's CA
  let pinned; // pins a key the acquirer does not have
  before(async () => {
    gateway = await startGateway({ simPort: sims.good.port, simScript: sims.good.script, upstreamTls: { ca } });
    pinned = await startGateway({ simPort: sims.good.port, upstreamTls: { pins: [pins.rogue] } });
  });
  after(async () => {
    await gateway?.close();
    await pinned?.close();
  });

  const ws = (gw) => new WebSocketTransport({ url: `${gw.url.replace('http', 'ws')}/ws`, WebSocket });
  const http = (gw) => new HttpTransport({ url: `${gw.url}/iso8583` });
  for (const [name, terminalId, make] of [
    ['WebSocketTransport', '52000001', ws],
    ['HttpTransport', '53000001', http],
  ]) {
    test(`${name}: an approved sale; an upstream pin mismatch is T113 with no reversal`, async () => {
      const t = terminal(terminalId, 6);
      const line = make(gateway);
      try {
        await signedOn(t, line);
        assert.equal(of(await t.run(sale(800), line), 'approved').length, 1);
        const before = pinned.frames.length;
        const refusedLine = make(pinned);
        await refused(t, refusedLine, 'T113', 900);
        refusedLine.close();
        assert.equal(pinned.frames.length, before, 'the gateway forwarded nothing');
        const next = await t.run(sale(1_000), line);
        assert.deepEqual(sent(next), ['0200'], JSON.stringify(next));
        assert.equal(of(next, 'approved').length, 1);
      } finally {
        line.close();
        t.free();
      }
    });
  }

  test('the gateway says why it forwarded nothing: a 502 naming the kind, a WebSocket closed with 4502', async () => {
    const frame = new Uint8Array([0, 2, 1, 2]);
    const res = await fetch(`${pinned.url}/iso8583`, { method: 'POST', body: frame });
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-poscore-forwarded'), 'no');
    assert.equal(res.headers.get('x-poscore-comm-failure'), 'tls_pin_mismatch');
    const line = ws(pinned);
    await line.send(frame); // the upgrade is accepted: the reason comes as the close
    await assert.rejects(line.receive(2000), (e) => e.commFailure === 'tls_pin_mismatch');
    line.close();
    const expired = await startGateway({ simPort: sims.expired.port, upstreamTls: { ca } });
    try {
      const r = await fetch(`${expired.url}/iso8583`, { method: 'POST', body: frame });
      assert.equal(r.headers.get('x-poscore-comm-failure'), 'tls_certificate_expired');
    } finally {
      await expired.close();
    }
    await assert.rejects(startGateway({ simPort: 1, upstreamTls: {} }), /verification cannot be turned off/);
  });

  test('a gateway serving WSS: the sale goes over TLS both ways; only https origins of its own names pass', async () => {
    const secure = await startGateway({
      simPort: sims.good.port,
      tls: { cert: pki.pem('server.pem'), key: pki.pem('server.key') },
      upstreamTls: { pins: [pins.ca] },
    });
    const t = terminal('54000001', 7);
    // The ws package trusting the test CA (a browser is made to trust it in the browser test).
    const Trusting = class extends WebSocket {
      constructor(url) {
        super(url, { ca });
      }
    };
    const line = new WebSocketTransport({ url: `${secure.url.replace('https', 'wss')}/ws`, WebSocket: Trusting });
    try {
      assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      await signedOn(t, line);
      assert.equal(of(await t.run(sale(1_100), line), 'approved').length, 1);
      const port = secure.port;
      const status = (origin) =>
        new Promise((resolve, reject) =>
          request({ host: '127.0.0.1', port, path: '/nothing', ca, headers: origin ? { origin } : {} }, (res) => {
            res.resume();
            resolve(res.statusCode);
          })
            .on('error', reject)
            .end(),
        );
      assert.equal(await status(`https://127.0.0.1:${port}`), 404, 'its own https origin passes (nothing to serve)');
      assert.equal(await status(`https://localhost:${port}`), 404);
      assert.equal(await status(undefined), 404);
      assert.equal(await status(`http://127.0.0.1:${port}`), 403, 'an http page elsewhere is not this gateway');
      assert.equal(await status('https://evil.example'), 403);
    } finally {
      line.close();
      t.free();
      await secure.close();
    }
  });

  test('the CLI serves HTTPS and forwards to a simulator serving TLS', async () => {
    const cli = fileURLToPath(new URL('../../gateway/gateway.js', import.meta.url));
    const args = [
      ...['--sim', simBinary(), '--port', '0', '--seed', '37'],
      ...['--tls-cert', pki.path('server.pem'), '--tls-key', pki.path('server.key')],
      ...['--sim-tls-cert', pki.path('server.pem'), '--sim-tls-key', pki.path('server.key')],
      ...['--upstream-ca', pki.path('ca.pem'), '--upstream-pin', pins.ca],
    ];
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
        createInterface({ input: child.stdout }).once('line', resolve);
      });
      const [url] = line.match(/https:\/\/127\.0\.0\.1:\d+\/demo\//) ?? [];
      assert.ok(url, line);
      assert.match(line, /serving TLS, reached over TLS/);
      const Trusting = class extends WebSocket {
        constructor(u) {
          super(u, { ca });
        }
      };
      const t = terminal('55000001', 8);
      const transport = new WebSocketTransport({ url: new URL('/ws', url.replace('https', 'wss')), WebSocket: Trusting });
      await signedOn(t, transport);
      transport.close();
      t.free();
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
