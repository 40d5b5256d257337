// Node's own inspection (console.log, REPL, test-runner diffs) of key handles shows no key bytes.
import { test } from 'node:test';
import { inspect, format } from 'node:util';
import { Key, WorkingKeys, Dukpt, DukptTerminal } from 'poscore';

const hex = '0123456789ABCDEFFEDCBA9876543210';
const leaks = (s) => /0123456789ABCDEF|FEDCBA9876543210|1111111111111111|3333333333333333/i.test(s);

test('util.inspect and console formatting of key handles show no key bytes', () => {
  const k = Key.dangerousFromHex('tdes2', 'pin_encryption', hex);
  const tmk = Key.dangerousFromHex('tdes2', 'key_encryption', hex);
  const f62 = WorkingKeys.buildField62(tmk, {
    pik: Key.dangerousFromHex('tdes2', 'pin_encryption', '11111111111111112222222222222222'),
    mak: Key.dangerousFromHex('des', 'mac_both', '3333333333333333'),
  });
  const wk = WorkingKeys.parseField62(tmk, f62);
  const bdk = Key.dangerousFromHex('tdes2', 'bdk', hex);
  const dk = Dukpt.derive(bdk, 'FFFF9876543210E00001');
  const term = DukptTerminal.tdes(Dukpt.ipek(bdk, 'FFFF9876543210E00000'), 'FFFF9876543210E00000');
  for (const v of [k, wk, dk, term, { k }, [k, wk]]) {
    for (const s of [inspect(v, { showHidden: true, depth: 10 }), format('%o %O %s %j', v, v, v, v), String(v)]) {
      if (leaks(s)) throw new Error(`key material in ${s}`);
    }
  }
  if (inspect(k) !== 'Key <Tdes2 PinEncryption key (KCV 08D7B4)>') throw new Error(inspect(k));
});
