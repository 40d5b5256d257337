// Peer timing for scripts/bench-iso8583 under Node: the npm package iso_8583 and poscore through
// wasm (the npm package's Node entry, web/src/node.js after scripts/build-wasm, or an installed
// packed tarball) on the same 0200 chip sale and 0210 approval as core/benches/iso8583.rs.
//   node bench.mjs [--seconds S] [--poscore PATH_OR_SPECIFIER] [--only iso_8583|poscore]
// Prints one tab-separated line per message: bench, implementation, message, bytes, us per
// pack+unpack (median of 10 batches after a warm-up), packed hex.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '1.5'));
const ONLY = arg('only', '');

const ICC =
  '9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF9F360200FF95050000000000' +
  '9A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8';
const SALE = {
  0: '0200', 2: '6212345678901232', 3: '000000', 4: '000000001000', 11: '000321', 14: '3012', 22: '051', 23: '001',
  25: '00', 26: '12', 35: '6212345678901232=3012201123456789', 41: '10000001', 42: '898310048990001', 49: '156',
  52: '1122334455667788', 53: '2600000000000000', 55: ICC, 60: '22000001000500', 64: 'A1B2C3D4E5F60718',
};
const RESP = {
  0: '0210', 2: '6212345678901232', 3: '000000', 4: '000000001000', 11: '000321', 12: '153045', 13: '1123',
  14: '3012', 15: '1124', 25: '00', 32: '48020000', 37: '153045123456', 38: '654321', 39: '00', 41: '10000001',
  42: '898310048990001', 44: '0303000003030000000000', 49: '156', 55: '910A1122334455667788990072', 60: '22000001',
  64: '0102030405060708',
};
const MESSAGES = [['0200 sale', SALE], ['0210 approval', RESP]];

let sink;
/** Median microseconds per call of fn: a third of the budget (at least 1 s, for V8's optimising
 *  tier) warms up, then 10 timed batches sized to two thirds of the budget. */
function time(fn) {
  const warm = Math.max(1, SECONDS / 3);
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(warm * 1e9));
  let n = 0;
  while (process.hrtime.bigint() < warmEnd) {
    sink = fn();
    n++;
  }
  const batch = Math.max(100, Math.floor((n * (SECONDS * 2) / 3 / warm) / 10));
  const us = [];
  for (let b = 0; b < 10; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = fn();
    us.push(Number(process.hrtime.bigint() - t0) / 1e3 / batch);
  }
  us.sort((x, y) => x - y);
  return (us[4] + us[5]) / 2;
}

const hexOf = (b) => Buffer.from(b).toString('hex').toUpperCase();
const out = (impl, name, packed, us) =>
  console.log(['bench', impl, name, packed.length, us.toFixed(3), hexOf(packed)].join('\t'));

// iso_8583: its default 1987 layout is ASCII data with a binary bitmap (not hex-ASCII), field 52/64
// as binary from 16 hex characters, 55 an LLLVAR of text (we pass the ICC data as hex, as
// iso87ascii puts it on the wire); 53 is redefined as n 16 (its default is b 48) and 64 as 8 bytes
// (its default MaxLen 8 counts hex characters, i.e. a 4-byte MAC).
async function isoPeer() {
  const require = createRequire(import.meta.url);
  const Iso = require('iso_8583');
  const formats = {
    53: { ContentType: 'n', Label: 'Security related control information', LenType: 'fixed', MaxLen: 16 },
    64: { ContentType: 'b', Label: 'Message authentication code (MAC)', LenType: 'fixed', MaxLen: 16 },
  };
  for (const [name, msg] of MESSAGES) {
    const roundtrip = () => {
      const raw = new Iso(msg, formats).getRawMessage();
      if (raw.error) throw new Error(`iso_8583 pack: ${raw.error}`);
      return new Iso(undefined, formats).getIsoJSON(raw, { lenHeader: false });
    };
    const packed = new Iso(msg, formats).getRawMessage();
    if (packed.error) throw new Error(`iso_8583 pack: ${packed.error}`);
    const back = roundtrip();
    for (const [k, v] of Object.entries(msg)) {
      if (String(back[k]).toUpperCase() !== v) throw new Error(`iso_8583 round trip: field ${k} ${back[k]} != ${v}`);
    }
    out('npm iso_8583 (Node)', name, packed, time(roundtrip));
  }
}

async function poscorePeer(spec) {
  const url = isAbsolute(spec) || spec.startsWith('.') ? pathToFileURL(resolve(spec)).href : spec;
  const { Iso8583 } = await import(url);
  for (const [name, msg] of MESSAGES) {
    const { 0: mti, ...rest } = msg;
    const message = { mti, fields: Object.fromEntries(Object.entries(rest).map(([k, v]) => [String(k), v])) };
    const roundtrip = () => Iso8583.unpack('iso87ascii', Iso8583.pack('iso87ascii', message));
    const packed = Iso8583.pack('iso87ascii', message);
    const back = roundtrip();
    if (JSON.stringify(back.fields) !== JSON.stringify(message.fields)) throw new Error('poscore round trip differs');
    out('poscore wasm (Node)', name, packed, time(roundtrip));
  }
}

if (ONLY !== 'poscore') await isoPeer();
if (ONLY !== 'iso_8583') {
  const spec = arg('poscore', '');
  if (spec) await poscorePeer(spec);
}
