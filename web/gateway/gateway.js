#!/usr/bin/env node
// A loopback gateway between a browser terminal and an acquirer (the simulator, `poscore-sim`):
// browsers cannot open TCP connections, so the page's WebSocketTransport / HttpTransport talk
// to this process, which opens one connection to the acquirer per message (TCP, or TLS when
// given `upstreamTls`).
//
//   GET  /ws           WebSocket; each connection = one fresh connection to the acquirer,
//                      each binary message = one whole frame (2-byte length prefix included),
//                      the stream re-chunked into whole frames on the way back.
//   POST /iso8583      one frame in, one frame out (200); 504 when the acquirer stayed silent
//                      past `x-poscore-timeout-ms` (header) or `?timeout=` (ms, default 30000);
//                      502 when the acquirer could not be reached (`x-poscore-forwarded: no`:
//                      the frame never left; `x-poscore-comm-failure` says why) or closed the
//                      connection (`x-poscore-forwarded: yes`).
//   POST /sim/script   a fault script line (`0200:timeout`, `0200:code:51`, `clear`) for the
//                      simulator's stdin, when the gateway controls one; answers its JSON reply.
//   GET  /...          static files, when `staticRoot` is given.
//
// TLS, both sides:
// - `tls: { cert, key }` serves HTTPS and WSS (the page uses `https://.../iso8583` and
//   `wss://.../ws`); the Origin check then accepts the `https:` origins of its own loopback names.
// - `upstreamTls: { ca, pins, cert, key, servername }` forwards to the acquirer over TLS, verified
//   by src/node-tls.js exactly as TcpTransport verifies it (CA bundle, SPKI pins or both; never
//   neither), the handshake completed before anything is forwarded.
// - A refused upstream handshake must reach the page's terminal as its kind (T111-T115: expired,
//   untrusted, pin mismatch, name mismatch, other) with no reversal, which means the page must
//   be told (a) that nothing was forwarded and (b) why:
//   - POST /iso8583: 502, `x-poscore-forwarded: no`, `x-poscore-comm-failure: <kind>`
//     (`connect_failed` when TCP itself failed).
//   - /ws: the line to the acquirer (TCP connect and TLS handshake) is opened *before* the
//     upgrade is answered, so a message can only ever be forwarded on a line that is up. When TCP
//     fails, the upgrade is refused (502) as before: the page's WebSocket never opens, which it
//     reports as connect_failed. When the TLS handshake is refused, a failed upgrade would tell
//     the page nothing (the WebSocket API hides the status), so the gateway accepts the upgrade
//     and closes it at once with close code 4502 (NOT_FORWARDED_CLOSE in src/transport.js) and
//     the kind as the close reason. That socket was never bridged to any line: whatever the page
//     sent on it meanwhile is dropped, so the gateway guarantees nothing was forwarded, and
//     WebSocketTransport maps that close, whether it arrives before or after its send, to the
//     before-send kind. A line that drops after a frame was forwarded closes the WebSocket
//     normally (1000): a line drop, reversed.
//
// Development and tests only: binds 127.0.0.1, answers only requests addressed to a loopback
// name of its own port (Host) and refuses other origins (Origin) with 403, no authentication.
// Not in the npm package.
// CLI: node web/gateway/gateway.js [--sim PATH] [--port N] [--seed N]
//        [--tls-cert PEM --tls-key PEM]                      serve HTTPS/WSS
//        [--upstream-ca PEM] [--upstream-pin sha256/...]...  TLS to the acquirer (CA, pins or both)
//        [--upstream-cert PEM --upstream-key PEM]            mutual TLS to the acquirer
//        [--upstream-name NAME]                              the name its certificate must carry
//        [--sim-tls-cert PEM --sim-tls-key PEM [--sim-tls-client-ca PEM]]  the simulator serves TLS
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { openLine, tlsConfig } from '../src/node-tls.js';
import { COMM_FAILURE_HEADER, NOT_FORWARDED_CLOSE } from '../src/transport.js';

const HOST = '127.0.0.1';
const MAX_FRAME = 2 + 0xffff;

/** Content types of the files the gateway (and the browser tests' static server) serve. */
export const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Splits a TCP byte stream into whole frames by the 2-byte big-endian length prefix. */
export class FrameSplitter {
  #buf = Buffer.alloc(0);
  /** Appends `chunk`; returns the whole frames now complete (prefix included). */
  push(chunk) {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out = [];
    while (this.#buf.length >= 2) {
      const len = this.#buf.readUInt16BE(0);
      if (this.#buf.length < 2 + len) break;
      out.push(this.#buf.subarray(0, 2 + len));
      this.#buf = this.#buf.subarray(2 + len);
    }
    return out;
  }
}

/**
 * Spawns the simulator with `--stdin-lifetime`: `{ port, tls, script(line) -> Promise<reply>, close() }`.
 * `script` writes one control line and resolves the simulator's JSON answer. `tls`
 * (`{ cert, key, clientCa? }`, file paths) makes it serve TLS (`tls: true` in the result).
 */
export async function spawnSim({ bin = simBinary(), seed = 1, script, lateMs, tls } = {}) {
  const args = ['--port', '0', '--seed', String(seed), '--stdin-lifetime'];
  if (script) args.push('--script', script);
  if (lateMs !== undefined) args.push('--late-ms', String(lateMs));
  if (tls) {
    // File paths: `cert` (the chain, leaf first) and `key`; `clientCa` requires mutual TLS.
    if (!tls.cert || !tls.key) throw new TypeError('spawnSim tls: cert and key (file paths) are required');
    args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
    if (tls.clientCa) args.push('--tls-client-ca', tls.clientCa);
  }
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let exited = null;
  let started = false;
  const first = new Promise((resolveFirst, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      exited = new Error(`poscore-sim exited with ${code}`);
      reject(exited);
      for (const w of waiting.splice(0)) w.reject(exited);
    });
    lines.on('line', (line) => {
      if (!started) {
        started = true;
        resolveFirst(line);
      } else {
        waiting.shift()?.resolve(line);
      }
    });
  });
  const { port, tls: servesTls = false } = JSON.parse(await first);
  // Lines are answered in order, one reply per non-blank line.
  const script_ = (line) => {
    const text = String(line).trim();
    if (!text || /[\r\n]/.test(text)) return Promise.reject(new Error('one non-empty script line expected'));
    if (exited) return Promise.reject(exited);
    return new Promise((ok, reject) => {
      waiting.push({ resolve: (l) => ok(JSON.parse(l)), reject });
      child.stdin.write(`${text}\n`);
    });
  };
  return {
    port,
    tls: servesTls,
    script: script_,
    close: () =>
      new Promise((done) => {
        if (exited || child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.stdin.end(); // --stdin-lifetime: the simulator shuts down when stdin closes
        setTimeout(() => child.kill(), 2000).unref();
      }),
  };
}

/** The simulator binary: $POSCORE_SIM, else the workspace's target/{debug,release}. */
export function simBinary() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const found = [
    process.env.POSCORE_SIM,
    process.env.CARGO_TARGET_DIR && `${process.env.CARGO_TARGET_DIR}/debug/poscore-sim`,
    `${root}target/debug/poscore-sim`,
    `${root}target/release/poscore-sim`,
  ].find((p) => p && existsSync(p));
  if (!found) throw new Error('poscore-sim not built: `cargo build -p poscore-sim` or set POSCORE_SIM');
  return found;
}

/**
 * Starts the gateway on 127.0.0.1. `simPort`/`simHost`: the acquirer's address;
 * `staticRoot`: a directory, or `{ '/prefix/': dir }` mounts, served read-only; `simScript`:
 * `(line) => Promise<reply>` behind POST /sim/script (e.g. `spawnSim().script`);
 * `defaultTimeoutMs`: how long POST /iso8583 waits when the client says nothing (30000);
 * `tls`: `{ cert, key }` (PEM) to serve HTTPS/WSS; `upstreamTls`: `{ ca, pins, cert, key,
 * servername }` to reach the acquirer over TLS (a configuration that cannot verify it throws);
 * `connectTimeoutMs`: TCP connect and TLS handshake to the acquirer (5000).
 * Resolves `{ url, port, frames, close() }` (`url` is `https://...` with `tls`); `frames` records
 * every frame that passed (`{ via: 'ws' | 'http', dir: 'to_host' | 'from_host', hex }`), for tests.
 */
export async function startGateway({
  simPort,
  simHost = HOST,
  staticRoot,
  port = 0,
  simScript,
  defaultTimeoutMs = 30_000,
  tls,
  upstreamTls,
  connectTimeoutMs = 5000,
} = {}) {
  if (!simPort) throw new TypeError('simPort is required');
  if (tls && (!tls.cert || !tls.key)) throw new TypeError('tls: cert and key (PEM) are required to serve HTTPS');
  const upstream = upstreamTls === undefined ? null : tlsConfig(upstreamTls, simHost);
  const mounts = mountsOf(staticRoot);
  const frames = [];
  const sockets = new Set();
  const record = (via, dir, bytes) => frames.push({ via, dir, hex: Buffer.from(bytes).toString('hex').toUpperCase() });
  // The line to the acquirer, up (TCP connected, TLS handshake done and verified) or refused
  // with `commFailure`; nothing is written on it until it is up.
  let stopped = false;
  const toHost = async () => {
    const s = await openLine({ host: simHost, port: simPort, tls: upstream, timeoutMs: connectTimeoutMs });
    if (stopped) {
      s.destroy();
      throw Object.assign(new Error('the gateway is closing'), { commFailure: 'connect_failed' });
    }
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    return s;
  };
  const scheme = tls ? 'https' : 'http';

  let loopback = new Set(); // the Host values this gateway answers, once its port is known
  const handler = async (req, res) => {
    try {
      const url = new URL(req.url, `${scheme}://${HOST}`);
      const refused = refusal(req, loopback, scheme);
      if (refused) return res.writeHead(403, { 'content-type': 'text/plain' }).end(refused);
      if (url.pathname === '/iso8583') return await iso8583(req, res, url);
      if (url.pathname === '/sim/script') return await script(req, res);
      if (req.method === 'GET' || req.method === 'HEAD') return await serveFile(mounts, url.pathname, res);
      res.writeHead(405).end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.message ?? e));
      else res.destroy();
    }
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : createServer(handler);

  async function iso8583(req, res, url) {
    if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
    const frame = await body(req, MAX_FRAME);
    if (frame.length < 2 || frame.readUInt16BE(0) !== frame.length - 2) {
      return res.writeHead(400, { 'content-type': 'text/plain' }).end('one whole length-prefixed frame expected');
    }
    const asked = Number(req.headers['x-poscore-timeout-ms'] ?? url.searchParams.get('timeout') ?? defaultTimeoutMs);
    const timeoutMs = Number.isFinite(asked) && asked > 0 ? Math.min(asked, 600_000) : defaultTimeoutMs;
    const headers = (forwarded) => ({ 'cache-control': 'no-store', 'x-poscore-forwarded': forwarded ? 'yes' : 'no' });
    let gone = false;
    res.on('close', () => (gone = true));
    let s;
    try {
      s = await toHost();
    } catch (e) {
      // Not forwarded: TCP refused or timed out, or the TLS handshake was refused. Say why.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { ...headers(false), [COMM_FAILURE_HEADER]: e.commFailure ?? 'connect_failed' }).end();
      }
      return;
    }
    if (gone) return s.destroy(); // the client gave up while the line came up: nothing forwarded
    const splitter = new FrameSplitter();
    let timer;
    const finish = (status, payload) => {
      clearTimeout(timer);
      s.destroy();
      if (res.headersSent || res.destroyed) return;
      const h = headers(true);
      if (payload) h['content-type'] = 'application/octet-stream';
      res.writeHead(status, h).end(payload);
    };
    res.on('close', () => s.destroy()); // the client gave up (its own timeout): drop the line
    s.on('data', (d) => {
      const [answer] = splitter.push(d);
      if (answer) {
        record('http', 'from_host', answer);
        finish(200, answer);
      }
    });
    s.on('close', () => finish(502));
    record('http', 'to_host', frame);
    s.write(frame);
    timer = setTimeout(() => finish(504), timeoutMs);
  }

  async function script(req, res) {
    if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
    if (!simScript) return res.writeHead(404, { 'content-type': 'text/plain' }).end('no simulator under this gateway');
    const line = (await body(req, 4096)).toString('utf8').trim();
    if (!line || /[\r\n]/.test(line)) return res.writeHead(400).end('one script line expected');
    const reply = await simScript(line);
    res.writeHead(reply?.ok === false ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }

  // WebSocket: the line to the acquirer is up before the upgrade is answered (see the top of
  // this file): TCP refused → the upgrade fails (connect_failed); TLS refused → the upgrade is
  // accepted and closed at once with 4502 and the kind, never bridged, nothing forwarded.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  server.on('upgrade', async (req, socket, head) => {
    if (new URL(req.url, `${scheme}://${HOST}`).pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    if (refusal(req, loopback, scheme)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => {});
    let s;
    try {
      s = await toHost();
    } catch (e) {
      const kind = e.commFailure ?? 'connect_failed';
      if (kind === 'connect_failed') {
        socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
      } else if (!socket.destroyed) {
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('error', () => {});
          ws.close(NOT_FORWARDED_CLOSE, kind);
        });
      }
      return;
    }
    if (socket.destroyed) return s.destroy(); // the page went away while the line came up
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, s));
  });

  function bridge(ws, s) {
    const splitter = new FrameSplitter();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return ws.close(1003, 'binary frames only');
      const frame = Buffer.isBuffer(data) ? data : Buffer.concat(data);
      record('ws', 'to_host', frame);
      s.write(frame);
    });
    s.on('data', (d) => {
      for (const f of splitter.push(d)) {
        record('ws', 'from_host', f);
        ws.send(f, { binary: true });
      }
    });
    s.on('close', () => ws.close(1000));
    ws.on('close', () => s.destroy());
    ws.on('error', () => s.destroy());
  }

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, HOST, ok);
  });
  const actual = server.address().port;
  loopback = loopbackHosts(actual, tls ? 443 : 80);
  return {
    url: `${scheme}://${HOST}:${actual}`,
    port: actual,
    frames,
    close: () =>
      new Promise((done) => {
        stopped = true;
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}

/** `host:port` for each loopback name of `port` (lowercase; `[::1]` as a Host header spells it). */
export function loopbackHosts(port, defaultPort = 80) {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  return new Set(names.flatMap((n) => (port === defaultPort ? [`${n}:${port}`, n] : [`${n}:${port}`])));
}

// Any web page the developer opens can reach a loopback port, two ways:
// - a cross-origin POST or WebSocket upgrade: browsers send `Origin`, which must then name one
//   of the gateway's own loopback addresses (non-browser clients send none);
// - DNS rebinding: evil.example resolves to 127.0.0.1 after the page loaded, so the page is
//   "same-origin" with the gateway and Origin and Host both say evil.example:PORT. Only `Host`
//   tells: every request (files too) must name a loopback address of this port.
// Origins must also have this gateway's scheme (`http` or `https`).
// Returns why a request is refused, or '' when it may pass.
function refusal(req, loopback, scheme = 'http') {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!loopback.has(host)) return `host ${JSON.stringify(host)} refused: only ${[...loopback].join(', ')}`;
  const origin = req.headers.origin;
  if (origin === undefined) return '';
  try {
    const o = new URL(origin);
    if (o.protocol === `${scheme}:` && loopback.has(o.host)) return '';
  } catch {
    // `null` (sandboxed frames, file: pages) and garbage: refused below
  }
  return `origin ${JSON.stringify(origin)} refused: only this gateway's own pages`;
}

function mountsOf(staticRoot) {
  if (!staticRoot) return [];
  const entries = typeof staticRoot === 'string' ? [['/', staticRoot]] : Object.entries(staticRoot);
  return entries
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
}

async function serveFile(mounts, pathname, res) {
  const path = normalize(decodeURIComponent(pathname));
  const mount = mounts.find(([prefix]) => path.startsWith(prefix) || `${path}/` === prefix);
  if (!mount) return res.writeHead(404).end('not found');
  const [prefix, dir] = mount;
  let file = join(dir, path.slice(prefix.length));
  if (file !== dir && !file.startsWith(dir + sep)) return res.writeHead(403).end();
  try {
    if ((await stat(file)).isDirectory()) {
      if (!pathname.endsWith('/')) return res.writeHead(301, { location: `${pathname}/` }).end();
      file = join(file, 'index.html');
    }
    const data = await readFile(file);
    res.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(data);
  } catch {
    res.writeHead(404).end('not found');
  }
}

function body(req, limit) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        fail(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

// CLI: spawn the simulator, serve the demo page and the package source, print the URL.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const all = (name) => args.flatMap((a, i) => (a === name && i + 1 < args.length ? [args[i + 1]] : []));
  const pem = (name) => {
    const file = opt(name);
    return file === undefined ? undefined : readFileSync(file);
  };
  const simTls = opt('--sim-tls-cert') && { cert: opt('--sim-tls-cert'), key: opt('--sim-tls-key'), clientCa: opt('--sim-tls-client-ca') };
  const pins = all('--upstream-pin');
  const upstreamTls =
    opt('--upstream-ca') || pins.length || opt('--upstream-cert')
      ? {
          ca: pem('--upstream-ca'),
          pins,
          cert: pem('--upstream-cert'),
          key: pem('--upstream-key'),
          servername: opt('--upstream-name'),
        }
      : undefined;
  const tls = opt('--tls-cert') || opt('--tls-key') ? { cert: pem('--tls-cert'), key: pem('--tls-key') } : undefined;
  const sim = await spawnSim({ bin: opt('--sim', undefined) ?? simBinary(), seed: Number(opt('--seed', Date.now() % 1e6)), tls: simTls });
  const web = fileURLToPath(new URL('../', import.meta.url));
  let gw;
  try {
    gw = await startGateway({ simPort: sim.port, simScript: sim.script, staticRoot: web, port: Number(opt('--port', 0)), tls, upstreamTls });
  } catch (e) {
    await sim.close();
    console.error(`poscore gateway: ${e?.message ?? e}`);
    process.exit(2);
  }
  const upstream = upstreamTls ? 'TLS' : 'TCP';
  console.log(`poscore gateway: ${gw.url}/demo/  (simulator on 127.0.0.1:${sim.port}${sim.tls ? ' serving TLS' : ''}, reached over ${upstream}; Ctrl-C stops)`);
  if (sim.tls && !upstreamTls) console.error('poscore gateway: the simulator serves TLS: give --upstream-ca or --upstream-pin');
  const stop = async () => {
    await gw.close();
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
