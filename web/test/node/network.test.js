// Network management from Node (Rust engine in wasm) against the acquirer simulator over loopback
// TCP: the echo test before sign-on, the TMS downloads (parameters, CA public keys in several
// packets with their SHA-1 checksums verified, AIDs) and the status upload, field 59 terminal
// information from the config, and the settlement with its chip upload and end of upload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TcpTransport } from 'poscore';
import { TMK, sale, config, of, sent, MapStore } from '../shared/fixtures.js';
import { startSim, stopSim } from '../shared/sim.js';

let sim;
let transport;

before(async () => {
  sim = await startSim(['--seed', '9']);
  transport = new TcpTransport({ port: sim.port });
});

after(() => {
  transport?.close();
  stopSim(sim);
});

const terminalInfo = { deviceType: '04', serialNumber: 'NODE0000000000001', appVersion: 'node1' };
const terminal = () => new Terminal({ config: { ...config, terminalInfo }, tmk: TMK, store: new MapStore(), seed: 3 });
let t;

test('the echo test goes out before sign-on', async () => {
  t = terminal();
  const events = await t.run({ type: 'echoTest' }, transport);
  assert.deepEqual(sent(events), ['0820']);
  assert.equal(of(events, 'echo_answered').length, 1, JSON.stringify(events));
  await assert.rejects(t.run({ type: 'downloadCaPublicKeys' }, transport), /not signed on/);
});

test('parameters, CA public keys and AIDs are downloaded and kept', async () => {
  await t.run({ type: 'signOn' }, transport);
  let events = await t.run({ type: 'downloadParameters' }, transport);
  assert.equal(of(events, 'downloaded')[0].kind, 'parameter_download', JSON.stringify(events));
  events = await t.run({ type: 'downloadCaPublicKeys' }, transport);
  const keys = t.hostData().caPublicKeys;
  assert.ok(keys.length >= 3, JSON.stringify(t.hostData()));
  assert.equal(of(events, 'downloaded')[0].count, keys.length);
  // Two keys per query reply: several 0820s, one 0800 per key, one for the end.
  assert.equal(sent(events).filter((m) => m === '0800').length, keys.length + 1);
  assert.ok(sent(events).filter((m) => m === '0820').length >= 2);
  assert.match(keys[0].checksum, /^[0-9A-F]{40}$/);
  await t.run({ type: 'downloadAidParams' }, transport);
  assert.ok(t.hostData().aidParams.length >= 1);
  assert.ok(t.hostData().params);
  events = await t.run({ type: 'uploadStatus' }, transport);
  assert.equal(of(events, 'downloaded')[0].kind, 'status_upload');
});

test('field 59 entries can be set at run time; settlement reports foreign totals and ends the upload', async () => {
  t.setTerminalInfoEntry('17', '+31.2304+121.4737');
  assert.throws(() => t.setTerminalInfoEntry('A2', 'x'), /tag/);
  const ok = of(await t.run(sale(1_000), transport), 'approved');
  assert.equal(ok.length, 1);
  const events = await t.run({ type: 'settle' }, transport);
  assert.deepEqual(sent(events), ['0500', '0320', '0320'], JSON.stringify(events));
  const [done] = of(events, 'settlement_balanced');
  assert.equal(done.totals.debitCount, 1);
  assert.equal(done.totals.foreignDebitCount, 0);
  assert.equal(of(events, 'batch_uploaded')[0].count, 1);
});

test('chip completion: the issuer data reaches the app; script results go to the host (0620) before the next sale', async () => {
  const [ok] = of(await t.run(sale(2_000), transport), 'approved');
  assert.equal(ok.issuerResponse.arc, '3030', JSON.stringify(ok));
  const out = t.completeChip(ok.stan, { cryptogram: '1122334455667788', cid: '40', scriptResults: '2000000001' });
  assert.deepEqual(out, { completed: true, reversalPending: false, scriptAdvice: true, diagnosis: null });
  assert.equal(t.pending().length, 1);
  const events = await t.run(sale(300), transport);
  assert.deepEqual(sent(events), ['0620', '0200'], JSON.stringify(events));
  assert.equal(of(events, 'script_advice_delivered')[0].stan, ok.stan);
  assert.deepEqual(t.pending(), []);
  assert.throws(() => t.completeChip('999999', { cryptogram: '1122334455667788', cid: '40' }), /999999/);
});
