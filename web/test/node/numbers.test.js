// Counts and lengths cross the wasm boundary as JS numbers: one that does not fit (2^32 + 5,
// -1, 1.5, NaN) is refused, never taken modulo 2^32 (which would decode 2^32 + 5 as 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Frame, FrameDecoder, Key } from 'poscore';

const frame = Frame.encode({ tpdu: '6000030000', message: new Uint8Array([0x02, 0x00, 0x00]) });

test('frame header lengths that do not fit are refused', () => {
  assert.ok(Frame.decode(frame, { tpdu: true, headerLen: 0 }));
  for (const headerLen of [2 ** 32 + 5, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => Frame.decode(frame, { tpdu: true, headerLen }), /headerLen/, String(headerLen));
  }
  assert.throws(() => new FrameDecoder({ headerLen: 2 ** 32 }), /headerLen/);
});

test('a check value length that does not fit is refused', () => {
  const k = Key.dangerousFromHex('tdes2', 'mac_both', '0123456789ABCDEFFEDCBA9876543210');
  assert.equal(k.kcv({ method: 'encrypt_zeros', length: 3 }).length, 6);
  assert.throws(() => k.kcv({ method: 'encrypt_zeros', length: 2 ** 32 + 3 }), /length/);
});
