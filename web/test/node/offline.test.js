// Offline payments with store-and-forward through the npm package (issue 18): a sale that cannot
// connect, an offline sale stored at the merchant's risk, its advice forwarded (0220) before the
// next online sale over a working line, and a refusal by the merchant's limits with its diagnosis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TerminalError, TcpTransport } from 'poscore';
import { TMK, ICC, chip, sale, config, of, sent, MapStore, failingTransport } from '../shared/fixtures.js';
import { spawnSim } from '../../gateway/gateway.js';

// The card after it approved offline: cryptogram information data 9F27 = 40 (a TC).
const tcCard = { ...chip, iccData: ICC.replace('9F270180', '9F270140') };
const offline = (amount, card = tcCard) => ({ type: 'offlineSale', amount, card, reason: 'host_unreachable' });
// Another transaction of the card: another cryptogram (refused by a limit before any host sees it).
const otherTc = { ...tcCard, iccData: tcCard.iccData.replace('9F26087D06967842784042', '9F26081122334455667788') };
// The host is down: every connection is refused.
const down = failingTransport(Object.assign(new Error('ECONNREFUSED'), { commFailure: 'connect_failed' }));

let sim;
let tcp;
let terminal;

before(async () => {
  sim = await spawnSim({ seed: 21 });
  tcp = new TcpTransport({ port: sim.port });
  terminal = new Terminal({
    config: { ...config, offline: { enabled: true, maxAmount: 10_000, retryMs: 60_000 } },
    tmk: TMK,
    store: new MapStore(),
    seed: 5,
  });
  const events = await terminal.run({ type: 'signOn' }, tcp);
  assert.equal(of(events, 'signed_on').length, 1, JSON.stringify(events));
});

after(async () => {
  tcp?.close();
  terminal?.free();
  await sim?.close();
});

test('the host is reachable: an offline sale "because the host is down" is refused (T959)', () => {
  assert.throws(
    () => terminal.start(offline(500)),
    (e) => e instanceof TerminalError && e.code === 'terminal.offline_refused' && e.diagnosis.entry.code === 'T959',
  );
});

test('outage: stored offline, then forwarded before the next online sale', async () => {
  const failed = await terminal.run(sale(100), down);
  assert.equal(of(failed, 'failed')[0].reversalPending, false, JSON.stringify(failed));

  const stored = await terminal.run(offline(1_234), down);
  const [s] = of(stored, 'stored_offline');
  assert.ok(s, JSON.stringify(stored));
  assert.equal(s.amount, 1_234);
  assert.equal(s.storedCount, 1);
  assert.equal(s.diagnosis.entry.code, 'T951');
  assert.match(s.receipt.responseText, /OFFLINE/);
  assert.deepEqual(sent(stored), [], 'nothing leaves while the host is down');
  const owed = terminal.pending();
  assert.equal(owed.length, 1);
  assert.equal(owed[0].kind, 'offline_sale');
  assert.equal(owed[0].status, 'stored');
  assert.equal(owed[0].maskedPan, '621234******1232');

  // Over the limit: refused with the limit's diagnosis, nothing stored.
  assert.throws(
    () => terminal.start(offline(10_001, otherTc)),
    (e) => e instanceof TerminalError && e.code === 'terminal.offline_refused' && e.diagnosis.entry.code === 'T953',
  );
  assert.equal(terminal.pending().length, 1);
  // The same offline approval handed in again is the same payment.
  assert.throws(() => terminal.start(offline(1_234)), (e) => e instanceof TerminalError && e.code === 'terminal.duplicate');

  const next = await terminal.run(sale(300), tcp);
  assert.deepEqual(sent(next), ['0220', '0200'], JSON.stringify(next));
  const [f] = of(next, 'offline_forwarded');
  assert.equal(f.amount, 1_234);
  assert.equal(f.code, '00');
  assert.ok(f.rrn);
  assert.deepEqual(terminal.pending(), []);
});
