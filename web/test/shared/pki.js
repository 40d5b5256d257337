// The test PKI of the TLS tests (tests/sim/examples/pki: a private acquirer CA, host certificates
// good, expired, from a rogue CA and for another name, a client certificate for mutual TLS, and
// their SPKI pins). $POSCORE_TEST_PKI names a directory that holds it; otherwise the `test-pki`
// example binary writes a fresh one into a temporary directory, once per test process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function testPkiBinary() {
  const found = [
    process.env.CARGO_TARGET_DIR && `${process.env.CARGO_TARGET_DIR}/debug/examples/test-pki`,
    `${root}target/debug/examples/test-pki`,
    `${root}target/release/examples/test-pki`,
  ].find((p) => p && existsSync(p));
  if (!found) throw new Error('test-pki not built: `cargo build -p poscore-sim --examples` or set POSCORE_TEST_PKI');
  return found;
}

let cached;
/**
 * `{ dir, path(name), pem(name), pins }`: `path('server.pem')` for the simulator's flags,
 * `pem('ca.pem')` (a Buffer) for the TLS options, `pins` = pins.json (`ca`, `server`,
 * `rogue_ca`, `rogue`).
 */
export function testPki() {
  if (cached) return cached;
  let dir = process.env.POSCORE_TEST_PKI;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'poscore-pki-'));
    execFileSync(testPkiBinary(), ['--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const made = dir;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  const path = (name) => join(dir, name);
  const pem = (name) => readFileSync(path(name));
  cached = { dir, path, pem, pins: JSON.parse(pem('pins.json')) };
  return cached;
}

/** The simulator's `tls` option (file paths) for the host certificate `name` (`server`, `expired`...). */
export const simTls = (name, extra = {}) => ({ cert: testPki().path(`${name}.pem`), key: testPki().path(`${name}.key`), ...extra });
