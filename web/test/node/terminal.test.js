// End to end: the packed package's Terminal (Rust engine in wasm) drives a terminal day against
// the acquirer simulator (tests/sim, binary `poscore-sim`) over loopback TCP from Node, with the
// journal in a JS store object. scripts/test builds the simulator first
// (`cargo build -q -p poscore-sim`); POSCORE_SIM overrides the binary's path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TcpTransport } from 'poscore';
import { TMK, PAN, sale, config, of, sent, MapStore } from '../shared/fixtures.js';
import { startSim, stopSim } from '../shared/sim.js';

let sim;
let transport;
// Faults apply in order to the next 0200: `delay:0` is a plain answer.
const SCRIPT = '0200:delay:0,0200:timeout,0200:delay:0,0200:timeout,0200:delay:0,0200:code:51';

before(async () => {
  sim = await startSim(['--seed', '7', '--script', SCRIPT]);
  transport = new TcpTransport({ port: sim.port });
});

after(() => {
  transport?.close();
  stopSim(sim);
});

const store = new MapStore();
let terminal;

test('sign-on installs the working keys', async () => {
  terminal = new Terminal({ config, tmk: TMK, store, seed: 1 });
  assert.equal(terminal.isSignedOn(), false);
  const events = await terminal.run({ type: 'signOn' }, transport);
  const [on] = of(events, 'signed_on');
  assert.ok(on, JSON.stringify(events));
  assert.match(on.pikKcv, /^[0-9A-F]{8}$/);
  assert.ok(terminal.isSignedOn());
  assert.ok(terminal.isIdle());
});

test('a chip sale is approved, with a masked PAN on the receipt record and the diagnosis', async () => {
  const events = await terminal.run(sale(12_345), transport);
  assert.deepEqual(sent(events), ['0200']);
  assert.equal(of(events, 'reversal_recorded').length, 1, 'reversal-first: recorded before sending');
  const [ok] = of(events, 'approved');
  assert.ok(ok, JSON.stringify(events));
  assert.equal(ok.kind, 'sale');
  assert.equal(ok.amount, 12_345);
  assert.match(ok.rrn, /^\d{12}$/);
  assert.ok(ok.authCode);
  assert.equal(ok.receipt.pan, '621234******1232');
  assert.ok(!JSON.stringify(ok).includes(PAN), 'the clear PAN never reaches an event');
  assert.equal(ok.diagnosis.entry.code, '00');
  assert.ok(ok.diagnosis.entry.operator.zh && ok.diagnosis.entry.operator.en);
  assert.deepEqual(terminal.pending(), []);
});

test('a sale whose response is dropped fails with a reversal pending; the next sale sends the 0400 first', async () => {
  const failed = await terminal.run(sale(500), transport);
  const [f] = of(failed, 'failed');
  assert.ok(f, JSON.stringify(failed));
  assert.equal(f.reversalPending, true);
  assert.equal(f.diagnosis.reversalReason ?? f.diagnosis.entry.reversalReason, '98');
  assert.equal(terminal.pending().length, 1);
  // What a page may show: amount, STAN, reason, the PAN masked; never the card data itself.
  const [p] = terminal.pending();
  assert.equal(p.maskedPan, '621234******1232');
  assert.equal(p.amount, 500);
  assert.ok(!JSON.stringify(terminal.pending()).includes(PAN), 'no clear PAN in pending()');
  assert.ok(store.list('').length > 0);

  const next = await terminal.run(sale(700), transport);
  assert.deepEqual(sent(next), ['0400', '0200'], JSON.stringify(next));
  const [cleared] = of(next, 'reversal_cleared');
  assert.ok(cleared, JSON.stringify(next));
  assert.equal(cleared.stan, f.stan);
  assert.equal(cleared.code, '00');
  assert.equal(of(next, 'approved').length, 1);
  assert.deepEqual(terminal.pending(), []);
});

test('after a restart from the same store, a pending reversal goes out before the next sale', async () => {
  const failed = await terminal.run(sale(900), transport);
  const [f] = of(failed, 'failed');
  assert.equal(f.reversalPending, true);
  terminal.free(); // "power loss": only the store survives

  terminal = new Terminal({ config, tmk: TMK, store, seed: 2 });
  assert.ok(terminal.isSignedOn(), 'working keys come back from the store');
  assert.equal(terminal.pending().length, 1);
  const next = await terminal.run(sale(1_100), transport);
  assert.deepEqual(sent(next), ['0400', '0200'], JSON.stringify(next));
  assert.equal(of(next, 'reversal_cleared')[0].stan, f.stan);
  assert.equal(of(next, 'approved').length, 1);
  assert.deepEqual(terminal.pending(), []);
});

test('a decline (51) carries the diagnosis texts and leaves nothing pending', async () => {
  const events = await terminal.run(sale(2_000), transport);
  const [d] = of(events, 'declined');
  assert.ok(d, JSON.stringify(events));
  assert.equal(d.diagnosis.entry.code, '51');
  assert.match(d.diagnosis.entry.operator.zh, /余额/);
  assert.match(d.diagnosis.entry.operator.en, /balance|fund/i);
  assert.ok(d.diagnosis.entry.customer.zh && d.diagnosis.entry.customer.en);
  assert.deepEqual(terminal.pending(), []);
});

test('settlement balances against the simulator', async () => {
  const batch = terminal.batch;
  const events = await terminal.run({ type: 'settle' }, transport);
  const [s] = of(events, 'settlement_balanced');
  assert.ok(s, JSON.stringify(events));
  assert.equal(s.batch, batch);
  const none = { foreignDebitAmount: 0, foreignDebitCount: 0, foreignCreditAmount: 0, foreignCreditCount: 0 };
  assert.deepEqual(s.totals, { debitAmount: 12_345 + 700 + 1_100, debitCount: 3, creditAmount: 0, creditCount: 0, ...none });
  // The chip sales' uploads (0320, 203) and the end of the upload (0320, 207) close the batch.
  assert.equal(of(events, 'batch_uploaded')[0].count, 3);
  assert.notEqual(s.nextBatch, batch);
  assert.ok(terminal.isIdle());
});
