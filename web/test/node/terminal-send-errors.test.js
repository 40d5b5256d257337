// How `Terminal.run` reads a transport's send failure. Only an explicit `connect_failed` vouches
// that nothing left the terminal; any other rejection (a plain Error from a hand-written
// transport, an unknown commFailure) may have come after bytes were written, so the request must
// be treated as possibly sent: its reversal, recorded before the send, stays pending.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TcpTransport } from 'poscore';
import { TMK, sale, config, of, sent, MapStore, failingTransport } from '../shared/fixtures.js';
import { spawnSim } from '../../gateway/gateway.js';

const failing = failingTransport;

let sim;
let tcp;
let terminal;

before(async () => {
  sim = await spawnSim({ seed: 11 });
  tcp = new TcpTransport({ port: sim.port });
  terminal = new Terminal({ config, tmk: TMK, store: new MapStore(), seed: 3 });
  const events = await terminal.run({ type: 'signOn' }, tcp);
  assert.equal(of(events, 'signed_on').length, 1, JSON.stringify(events));
});

after(async () => {
  tcp?.close();
  terminal?.free();
  await sim?.close();
});

test('an explicit connect_failed means nothing was sent: no reversal', async () => {
  const t = failing(Object.assign(new Error('ECONNREFUSED'), { commFailure: 'connect_failed' }));
  const events = await terminal.run(sale(100), t);
  assert.equal(t.sends, 1);
  const [f] = of(events, 'failed');
  assert.ok(f, JSON.stringify(events));
  assert.equal(f.reversalPending, false, JSON.stringify(f));
  assert.deepEqual(terminal.pending(), []);
});

for (const [what, error] of [
  ['a plain Error', new Error('socket hang up')],
  ['an unknown commFailure', Object.assign(new Error('?'), { commFailure: 'weird' })],
  ['a non-Error rejection', 'boom'],
]) {
  test(`${what} from send after the reversal was recorded leaves a pending reversal`, async () => {
    const t = failing(error);
    const events = await terminal.run(sale(200), t);
    assert.equal(t.sends, 1);
    const recorded = events.findIndex((e) => e.type === 'reversal_recorded');
    const sending = events.findIndex((e) => e.type === 'sending');
    assert.ok(recorded >= 0 && recorded < sending, `recorded before the send: ${JSON.stringify(events)}`);
    const [f] = of(events, 'failed');
    assert.ok(f, JSON.stringify(events));
    assert.equal(f.reversalPending, true, JSON.stringify(f));
    assert.equal(terminal.pending().length, 1);
    assert.equal(terminal.pending()[0].amount, 200);
    // The next request over a working line sends the 0400 first and clears it.
    const next = await terminal.run(sale(300), tcp);
    assert.deepEqual(sent(next), ['0400', '0200'], JSON.stringify(next));
    assert.equal(of(next, 'reversal_cleared').length, 1, JSON.stringify(next));
    assert.deepEqual(terminal.pending(), []);
  });
}
