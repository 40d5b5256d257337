// A damaged journal through the npm package: the engine refuses it with the T801 diagnosis, and
// Terminal.recover opens it (untrusted state set aside, keys dropped) so the terminal can sign on
// and settle again. The core's own attack tests are tests/sim/tests/tamper.rs; this proves the
// path reaches JS. No network: a sign-on request writes the journal before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TerminalError } from 'poscore';
import { TMK, config, MapStore } from '../shared/fixtures.js';

/** A journal with a STAN lease in it: the sign-on's STAN was reserved before its bytes left. */
function journal() {
  const store = new MapStore();
  const t = new Terminal({ config, tmk: TMK, store, seed: 1, now: 1_000 });
  t.start({ type: 'signOn' }, 1_000);
  assert.ok(t.pollTransmit(), 'the 0800 is out');
  assert.ok(store.map.has('term/stan'));
  t.free();
  return store;
}

test('an intact journal reopens, and nothing is owed', () => {
  const t = new Terminal({ config, tmk: TMK, store: journal(), seed: 2 });
  assert.equal(t.settlementOwed(), undefined);
});

test('a deleted record is refused with the T801 diagnosis, and recover opens the journal', () => {
  const store = journal();
  store.map.delete('term/stan'); // a STAN lease gone: the next STANs would repeat
  assert.throws(
    () => new Terminal({ config, tmk: TMK, store, seed: 2 }),
    (e) => {
      assert.ok(e instanceof TerminalError, String(e));
      assert.equal(e.code, 'terminal.journal_damaged');
      assert.equal(e.diagnosis?.entry?.code, 'T801', JSON.stringify(e.diagnosis));
      return true;
    },
  );
  const { terminal, damage } = Terminal.recover({ config, tmk: TMK, store, seed: 3 });
  assert.deepEqual(damage.map((d) => d.problem), ['manifest_mismatch']);
  assert.equal(typeof damage[0].newestSeq, 'number');
  assert.equal(terminal.isSignedOn(), false, 'sign on again after a recovery');
  assert.ok(store.map.has('term/stan'), 'a new STAN lease, further on');
  terminal.free();
  new Terminal({ config, tmk: TMK, store, seed: 4 }).free(); // the recovered journal is intact
});

test('a record from another terminal is named', () => {
  const store = journal();
  const other = new MapStore();
  const t = new Terminal({ config: { ...config, terminalId: '87654321' }, tmk: TMK, store: other, seed: 5 });
  t.start({ type: 'signOn' }, 1_000);
  t.free();
  store.map.set('term/stan', other.map.get('term/stan'));
  assert.throws(() => new Terminal({ config, tmk: TMK, store, seed: 2 }), /belongs to terminal 87654321/);
  const { damage } = Terminal.recover({ config, tmk: TMK, store, seed: 3 });
  assert.equal(damage[0].problem, 'foreign_record');
  assert.equal(damage[0].terminalId, '87654321');
  assert.ok(store.list('audit/').length === 1, 'kept for audit');
});

test('with a rollback guard, a restored older copy of the journal is refused', () => {
  const counter = {
    value: 0,
    current() {
      return this.value;
    },
    advance(seq) {
      assert.ok(seq >= this.value, 'the counter never goes back');
      this.value = seq;
    },
  };
  const store = new MapStore();
  const t = new Terminal({ config, tmk: TMK, store, seed: 1, now: 1_000, rollbackGuard: counter });
  t.start({ type: 'signOn' }, 1_000);
  t.free();
  const older = new Map(store.map); // the copy an attacker keeps
  const t2 = new Terminal({ config, tmk: TMK, store, seed: 2, now: 2_000, rollbackGuard: counter });
  t2.start({ type: 'signOn' }, 2_000); // the journal moves on (a new STAN lease)
  t2.free();
  assert.ok(counter.value > 0);
  store.map = older;
  // Without the counter the older copy is consistent with itself; with it, it is refused.
  new Terminal({ config, tmk: TMK, store, seed: 3 }).free();
  assert.throws(
    () => new Terminal({ config, tmk: TMK, store, seed: 3, rollbackGuard: counter }),
    (e) => e.code === 'terminal.journal_damaged' && /rollback counter/.test(e.message),
  );
  const { damage } = Terminal.recover({ config, tmk: TMK, store, seed: 4, rollbackGuard: counter });
  assert.deepEqual(damage.map((d) => d.problem), ['rollback']);
  new Terminal({ config, tmk: TMK, store, seed: 5, rollbackGuard: counter }).free();
});
