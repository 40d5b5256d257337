#!/usr/bin/env node
// A loopback gateway between a browser terminal and an acquirer (the simulator, `poscore-sim`):
// browsers cannot open TCP connections, so the page's WebSocketTransport / HttpTransport talk
// to this process, which opens one TCP connection to the acquirer per message.
//
//   GET  /ws           WebSocket; each connection = one fresh TCP connection to the acquirer,
//                      each binary message = one whole frame (2-byte length prefix included),
//                      the TCP stream re-chunked into whole frames on the way back.
//   POST /iso8583      one frame in, one frame out (200); 504 when the acquirer stayed silent
//                      past `x-poscore-timeout-ms` (header) or `?timeout=` (ms, default 30000);
//                      502 when the acquirer could not be reached (`x-poscore-forwarded: no`:
//                      the frame never left) or closed the connection (`x-poscore-forwarded: yes`).
//   POST /sim/script   a fault script line (`0200:timeout`, `0200:code:51`, `clear`) for the
//                      simulator's stdin, when the gateway controls one; answers its JSON reply.
//   GET  /...          static files, when `staticRoot` is given.
//
// Development and tests only: binds 127.0.0.1, answers only requests addressed to a loopback
// name of its own port (Host) and refuses other origins (Origin) with 403, no TLS, no
// authentication. Not in the npm package.
// CLI: node web/gateway/gateway.js [--sim PATH] [--port N] [--seed N]
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

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
 * Spawns the simulator with `--stdin-lifetime`: `{ port, script(line) -> Promise<reply>, close() }`.
 * `script` writes one control line and resolves the simulator's JSON answer.
 */
export async function spawnSim({ bin = simBinary(), seed = 1, script, lateMs } = {}) {
  const args = ['--port', '0', '--seed', String(seed), '--stdin-lifetime'];
  if (script) args.push('--script', script);
  if (lateMs !== undefined) args.push('--late-ms', String(lateMs));
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
  const { port } = JSON.parse(await first);
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
 * Starts the gateway on 127.0.0.1. `simPort`/`simHost`: the acquirer's TCP address;
 * `staticRoot`: a directory, or `{ '/prefix/': dir }` mounts, served read-only; `simScript`:
 * `(line) => Promise<reply>` behind POST /sim/script (e.g. `spawnSim().script`);
 * `defaultTimeoutMs`: how long POST /iso8583 waits when the client says nothing (30000).
 * Resolves `{ url, port, frames, close() }`; `frames` records every frame that passed
 * (`{ via: 'ws' | 'http', dir: 'to_host' | 'from_host', hex }`), for tests.
 */
export async function startGateway({ simPort, simHost = HOST, staticRoot, port = 0, simScript, defaultTimeoutMs = 30_000 } = {}) {
  if (!simPort) throw new TypeError('simPort is required');
  const mounts = mountsOf(staticRoot);
  const frames = [];
  const sockets = new Set();
  const record = (via, dir, bytes) => frames.push({ via, dir, hex: Buffer.from(bytes).toString('hex').toUpperCase() });
  const toHost = () => {
    const s = connect({ host: simHost, port: simPort });
    s.setNoDelay(true);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    return s;
  };

  let loopback = new Set(); // the Host values this gateway answers, once its port is known
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, `http://${HOST}`);
      const refused = refusal(req, loopback);
      if (refused) return res.writeHead(403, { 'content-type': 'text/plain' }).end(refused);
      if (url.pathname === '/iso8583') return await iso8583(req, res, url);
      if (url.pathname === '/sim/script') return await script(req, res);
      if (req.method === 'GET' || req.method === 'HEAD') return await serveFile(mounts, url.pathname, res);
      res.writeHead(405).end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.message ?? e));
      else res.destroy();
    }
  });

  async function iso8583(req, res, url) {
    if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
    const frame = await body(req, MAX_FRAME);
    if (frame.length < 2 || frame.readUInt16BE(0) !== frame.length - 2) {
      return res.writeHead(400, { 'content-type': 'text/plain' }).end('one whole length-prefixed frame expected');
    }
    const asked = Number(req.headers['x-poscore-timeout-ms'] ?? url.searchParams.get('timeout') ?? defaultTimeoutMs);
    const timeoutMs = Number.isFinite(asked) && asked > 0 ? Math.min(asked, 600_000) : defaultTimeoutMs;
    const s = toHost();
    const splitter = new FrameSplitter();
    let connected = false;
    let timer;
    const finish = (status, forwarded, payload) => {
      clearTimeout(timer);
      s.destroy();
      if (res.headersSent || res.destroyed) return;
      const headers = { 'cache-control': 'no-store', 'x-poscore-forwarded': forwarded ? 'yes' : 'no' };
      if (payload) headers['content-type'] = 'application/octet-stream';
      res.writeHead(status, headers).end(payload);
    };
    res.on('close', () => s.destroy()); // the client gave up (its own timeout): drop the line
    s.once('connect', () => {
      connected = true;
      record('http', 'to_host', frame);
      s.write(frame);
      timer = setTimeout(() => finish(504, true), timeoutMs);
    });
    s.on('data', (d) => {
      const [answer] = splitter.push(d);
      if (answer) {
        record('http', 'from_host', answer);
        finish(200, true, answer);
      }
    });
    s.on('error', () => {});
    s.on('close', () => finish(502, connected));
  }

  async function script(req, res) {
    if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
    if (!simScript) return res.writeHead(404, { 'content-type': 'text/plain' }).end('no simulator under this gateway');
    const line = (await body(req, 4096)).toString('utf8').trim();
    if (!line || /[\r\n]/.test(line)) return res.writeHead(400).end('one script line expected');
    const reply = await simScript(line);
    res.writeHead(reply?.ok === false ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }

  // WebSocket: the TCP connection is made before the upgrade completes, so a client whose
  // acquirer is unreachable sees its WebSocket fail to open (connect_failed, nothing sent).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, `http://${HOST}`).pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    if (refusal(req, loopback)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    const s = toHost();
    s.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n'));
    s.once('connect', () => {
      s.removeAllListeners('error');
      s.on('error', () => {});
      wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, s));
    });
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
  loopback = loopbackHosts(actual);
  return {
    url: `http://${HOST}:${actual}`,
    port: actual,
    frames,
    close: () =>
      new Promise((done) => {
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}

/** `host:port` for each loopback name of `port` (lowercase; `[::1]` as a Host header spells it). */
export function loopbackHosts(port) {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  return new Set(names.flatMap((n) => (port === 80 ? [`${n}:80`, n] : [`${n}:${port}`])));
}

// Any web page the developer opens can reach a loopback port, two ways:
// - a cross-origin POST or WebSocket upgrade: browsers send `Origin`, which must then name one
//   of the gateway's own loopback addresses (non-browser clients send none);
// - DNS rebinding: evil.example resolves to 127.0.0.1 after the page loaded, so the page is
//   "same-origin" with the gateway and Origin and Host both say evil.example:PORT. Only `Host`
//   tells: every request (files too) must name a loopback address of this port.
// Returns why a request is refused, or '' when it may pass.
function refusal(req, loopback) {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!loopback.has(host)) return `host ${JSON.stringify(host)} refused: only ${[...loopback].join(', ')}`;
  const origin = req.headers.origin;
  if (origin === undefined) return '';
  try {
    const o = new URL(origin);
    if (o.protocol === 'http:' && loopback.has(o.host)) return '';
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
  const sim = await spawnSim({ bin: opt('--sim', undefined) ?? simBinary(), seed: Number(opt('--seed', Date.now() % 1e6)) });
  const web = fileURLToPath(new URL('../', import.meta.url));
  const gw = await startGateway({ simPort: sim.port, simScript: sim.script, staticRoot: web, port: Number(opt('--port', 0)) });
  console.log(`poscore gateway: ${gw.url}/demo/  (simulator on 127.0.0.1:${sim.port}; Ctrl-C stops)`);
  const stop = async () => {
    await gw.close();
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
